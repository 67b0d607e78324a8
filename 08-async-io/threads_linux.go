//go:build linux

package main

import (
	"bytes"
	"os"
	"strconv"
)

// osThreads is the number of OS threads of this process, from the Threads
// line of /proc/self/status.
func osThreads() (int, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(status, []byte("\nThreads:"))
	if !ok {
		return 0, false
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.Atoi(string(bytes.TrimSpace(line)))
	return n, err == nil
}
