//go:build !unix

package main

import (
	"errors"
	"runtime"
	"runtime/metrics"
	"time"
)

// cpuTimeSource names where processCPUTime gets its figure, for the output.
const cpuTimeSource = "runtime/metrics, an estimate"

// processCPUTime is the Go runtime's own estimate of the CPU time spent
// running Go code. The runtime derives it from what its scheduler saw, so
// unlike getrusage it also counts time a thread waited for a CPU that another
// process had: on a busy machine it reads high.
func processCPUTime() (time.Duration, error) {
	// The runtime refreshes the /cpu/classes figures only when a garbage
	// collection ends, and busy loops allocate nothing, so without a
	// collection here the reading would be stale (measured: 0 CPUs).
	runtime.GC()
	sample := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64 {
		return 0, errors.New("runtime/metrics: /cpu/classes/user:cpu-seconds is not available")
	}
	return time.Duration(sample[0].Value.Float64() * float64(time.Second)), nil
}
