package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
)

// osThreads returns how many OS threads this process runs, from the
// "Threads:" line of /proc/self/status. Only Linux has that file; elsewhere
// ok is false.
func osThreads() (n int, ok bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if value, found := bytes.CutPrefix(sc.Bytes(), []byte("Threads:")); found {
			n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			return n, err == nil
		}
	}
	return 0, false
}
