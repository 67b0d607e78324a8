package osthreads

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountGrowsWithLockedThreads(t *testing.T) {
	before, err := Count()
	require.NoError(t, err)
	require.GreaterOrEqual(t, before, 1)

	// Each locked, blocked goroutine holds a thread of its own, so more of
	// them than there were threads need new ones (and this goroutine one more).
	locked := before + 1
	release := make(chan struct{})
	var started, ended sync.WaitGroup
	started.Add(locked)
	for range locked {
		ended.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			started.Done()
			<-release
		})
	}
	started.Wait()
	during, err := Count()
	close(release)
	ended.Wait()

	require.NoError(t, err)
	assert.Greater(t, during, before, "locked goroutines added threads")
}
