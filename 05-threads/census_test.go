package main

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParkGoroutinesJoinsThemBeforeReturning checks "released and joined":
// when parkGoroutines returns, the goroutines it started have ended. A few
// may still be on their way out of wg.Go's deferred Done, one per CPU at
// most; without the join, nearly all ten thousand would still be there,
// released but not yet run.
func TestParkGoroutinesJoinsThemBeforeReturning(t *testing.T) {
	const n = 10_000
	before := runtime.NumGoroutine()
	c, err := parkGoroutines(t.Context(), n)
	after := runtime.NumGoroutine()
	require.NoError(t, err)
	require.GreaterOrEqual(t, c.goroutines, before+n, "all %d were parked at once", n)
	assert.Less(t, after-before, n/10, "goroutines still alive after parkGoroutines returned")
}
