//go:build !linux

package bench

import "errors"

// Pinning a thread to a CPU uses sched_setaffinity, which only Linux has; the
// pinned benchmarks skip themselves elsewhere.

var errNoAffinity = errors.New("CPU affinity is only implemented on Linux")

func firstCPU() (int, error) { return 0, errNoAffinity }

func pinThread(int) (func() error, error) { return nil, errNoAffinity }
