package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSynchronisedVariantsAlwaysEndAtZero runs each correct variant many
// times: a lost update in any run would leave a non-zero balance. At this n
// the unsynchronised variant, put in the table instead, fails on the first
// or second run on two free CPUs.
func TestSynchronisedVariantsAlwaysEndAtZero(t *testing.T) {
	const runs, n = 25, 20_000
	for _, v := range variants[1:] {
		t.Run(v.name, func(t *testing.T) {
			for i := range runs {
				require.Zero(t, v.run(n), "run %d of %d", i+1, runs)
			}
		})
	}
}

// TestUnsynchronisedLosesUpdates shows the race condition: with two CPUs the
// goroutines overwrite each other's changes and the balance drifts from 0.
// A run ends at 0 when the two goroutines happen not to overlap, which is
// common on a machine that other processes keep busy, so the test keeps
// trying for a while and fails only if no run in that time loses an update.
func TestUnsynchronisedLosesUpdates(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		t.Skip("with one CPU the goroutines take turns and rarely lose an update")
	}
	// Longer runs overlap more surely; shorter ones finish sooner under the
	// race detector, which makes every atomic operation slow. So n starts
	// small and doubles.
	const patience = 3 * time.Second
	start := time.Now()
	n := 100_000
	for try := 1; time.Since(start) < patience; try++ {
		if balance := unsynchronised(n); balance != 0 {
			t.Logf("try %d, n = %d: balance = %d", try, n, balance)
			return
		}
		n = min(2*n, 2_000_000)
	}
	t.Fatalf("unsynchronised ended at 0 in every try for %v (last n = %d); want a lost update", patience, n)
}
