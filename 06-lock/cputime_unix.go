//go:build unix

package main

import (
	"fmt"
	"syscall"
	"time"
)

// cpuTimeSource names where processCPUTime gets its figure, for the output.
const cpuTimeSource = "getrusage"

// processCPUTime is the user plus system CPU time of the whole process so
// far, as the kernel accounted it. Time a thread spent waiting for a CPU
// that another process had is not in it, so the figure is honest on a busy
// machine too.
func processCPUTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
