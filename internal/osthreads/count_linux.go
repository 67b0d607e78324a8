package osthreads

import (
	"fmt"
	"os"
)

// Count returns how many OS threads this process has, from the Threads: line
// the kernel writes into /proc/self/status.
func Count() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("count OS threads: %w", err)
	}
	defer f.Close()
	return Parse(f)
}
