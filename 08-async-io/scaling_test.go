package main

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrencyLevels(t *testing.T) {
	for tasks, want := range map[int][]int{
		1: {1},
		2: {1, 2},
		5: {1, 2, 4, 5},
		8: {1, 2, 4, 8},
	} {
		assert.Equal(t, want, concurrencyLevels(tasks), "concurrencyLevels(%d)", tasks)
	}
}

func TestRunLimitedKeepsToTheLimit(t *testing.T) {
	// In a synctest bubble, synctest.Wait returns once every goroutine is
	// blocked: then exactly the tasks that were allowed to start are running.
	synctest.Test(t, func(t *testing.T) {
		const tasks, limit = 7, 3
		release := make(chan struct{})
		var running atomic.Int64
		done := make(chan error)
		go func() {
			done <- runLimited(t.Context(), tasks, limit, func(context.Context, int) error {
				running.Add(1)
				<-release
				running.Add(-1)
				return nil
			})
		}()
		for left := tasks; left > 0; left-- {
			synctest.Wait()
			require.Equal(t, int64(min(left, limit)), running.Load(), "with %d tasks left", left)
			release <- struct{}{}
		}
		require.NoError(t, <-done)
	})
}

func TestRunLimitedReturnsTheErrorAndCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var cancelled atomic.Int64
	err := runLimited(t.Context(), 10, 1, func(ctx context.Context, i int) error {
		if i == 0 {
			return boom
		}
		if ctx.Err() != nil {
			cancelled.Add(1)
		}
		return nil
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, int64(9), cancelled.Load(), "one at a time, every task after the failure sees the cancellation")
}

func TestIOBoundTasksScaleWithConcurrencyOnAnyGOMAXPROCS(t *testing.T) {
	const tasks = 8
	const wait = 20 * time.Millisecond
	srv, err := startGoroutineServer(serverConfig{delay: wait, idle: 10 * time.Second})
	require.NoError(t, err)
	defer srv.Close()

	table, err := measureScaling(t.Context(), tasks, func(ctx context.Context, i int) error {
		return oneRequest(ctx, srv.Addr(), strconv.Itoa(i), 10*time.Second)
	})
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 4, 8}, table.limits)
	for col, procs := range table.procs {
		oneAtATime, allAtOnce := table.wall[0][col], table.wall[len(table.limits)-1][col]
		assert.GreaterOrEqual(t, oneAtATime, tasks*wait, "GOMAXPROCS=%d: one at a time waits once per task", procs)
		assert.Less(t, allAtOnce, oneAtATime/3, "GOMAXPROCS=%d: all at once (%v) vs one at a time (%v)", procs, allAtOnce, oneAtATime)
	}
}

func TestCalibrateSpin(t *testing.T) {
	short, long := calibrateSpin(time.Millisecond), calibrateSpin(10*time.Millisecond)
	assert.Positive(t, short)
	assert.Greater(t, long, short)
}
