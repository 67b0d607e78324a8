// Package osthreads counts the OS threads of this process. Several lessons
// print that count next to the number of goroutines, to show how few OS
// threads carry many goroutines. Only Linux tells a process its thread count
// in a file, the Threads: line of /proc/self/status, so Count works there and
// reports ErrUnavailable elsewhere; Parse reads that line from any reader, so
// it can be tested on every system.
package osthreads

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrUnavailable is wrapped by the error Count returns on a system that does
// not tell a process how many OS threads it has.
var ErrUnavailable = errors.New("not available")

// Parse returns the number on the Threads: line of a /proc/<pid>/status file.
func Parse(r io.Reader) (int, error) {
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
	return 0, errors.New("count OS threads: no Threads: line")
}
