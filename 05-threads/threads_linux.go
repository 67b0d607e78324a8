package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// threadIDsAvailable says that threadID returns real IDs here.
const threadIDsAvailable = true

// threadID returns the kernel's ID of the OS thread the calling goroutine
// runs on at this moment. The scheduler may move the goroutine to another
// thread at any later point, so the ID says where it was, not where it lives.
func threadID() int { return syscall.Gettid() }

// osThreads returns how many OS threads this process has, from the Threads:
// line the kernel writes into /proc/self/status.
func osThreads() (int, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("count OS threads: %w", err)
	}
	return parseThreads(bytes.NewReader(status))
}

// parseThreads finds the Threads: line of a /proc/<pid>/status file.
func parseThreads(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), "Threads:")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return 0, fmt.Errorf("count OS threads: bad Threads: line %q", sc.Text())
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("count OS threads: %w", err)
	}
	return 0, fmt.Errorf("count OS threads: no Threads: line in /proc/self/status")
}
