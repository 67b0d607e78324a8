package eventloop

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
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
	// Each task asks the lesson's goroutine server, handler and all, which
	// waits before it answers. In a synctest bubble the clock moves only
	// while every goroutine waits, so the table comes out exact however busy
	// the machine is: each row takes one wait per round of tasks, under every
	// GOMAXPROCS, because a waiting task needs no CPU. A bubble cannot wait on
	// real sockets, so the server is served over in-memory pipes (net.Pipe).
	synctest.Test(t, func(t *testing.T) {
		const tasks = 8
		const wait = 20 * time.Millisecond
		srv := &goroutineServer{cfg: serverConfig{delay: wait, idle: time.Minute}, quit: make(chan struct{}), conns: map[net.Conn]struct{}{}}
		table, err := measureScaling(t.Context(), tasks, func(ctx context.Context, i int) error {
			client, server := net.Pipe()
			defer client.Close() // the handler sees the end and returns
			srv.wg.Go(func() { srv.handle(server) })
			return roundTrip(client, strconv.Itoa(i), time.Minute)
		})
		srv.wg.Wait()
		require.NoError(t, err)
		require.Equal(t, []int{1, 2, 4, 8}, table.limits)
		for col, procs := range table.procs {
			for row, limit := range table.limits {
				rounds := (tasks + limit - 1) / limit
				assert.Equal(t, time.Duration(rounds)*wait, table.wall[row][col],
					"GOMAXPROCS=%d, %d tasks at once: %d rounds of one wait each", procs, limit, rounds)
			}
		}
		assert.Equal(t, int64(tasks*len(table.limits)*len(table.procs)), srv.Served())
	})
}

func TestCalibrateSpin(t *testing.T) {
	// Each call times the spin loop for itself (some 10ms, whatever the
	// duration asked for), and on a busy machine one call's timing can come
	// out several times slower than the other's. A factor of a thousand
	// between the durations leaves room for that, and still fails if the
	// duration is ignored.
	short, long := calibrateSpin(time.Millisecond), calibrateSpin(time.Second)
	assert.Positive(t, short)
	assert.Greater(t, long, 10*short, "steps for 1s (%d) vs for 1ms (%d)", long, short)
}

func TestStudyAtLeastCountsEveryRowAndColumn(t *testing.T) {
	procs := procsLevels()
	one := Study{Tasks: 1, CPUTask: time.Second, IOWait: time.Minute}
	// One task: a single row, in every column, of one computation and one
	// wait.
	assert.Equal(t, time.Duration(len(procs))*(time.Second+time.Minute), one.AtLeast())

	// The IO-bound table: rows of 4, 2 and 1 rounds of one wait, in every
	// column; the CPU-bound one adds nothing when its tasks take no time.
	ioOnly := Study{Tasks: 4, IOWait: time.Second}
	assert.Equal(t, time.Duration(len(procs))*7*time.Second, ioOnly.AtLeast())

	// The CPU-bound table under GOMAXPROCS=1 alone: every row computes
	// every task on one thread.
	cpu := Study{Tasks: 4, CPUTask: time.Second}
	assert.GreaterOrEqual(t, cpu.AtLeast(), 3*4*time.Second)
}

func TestCPUVersusIOStopsWhenCancelled(t *testing.T) {
	// A study that ran on after its context was cancelled would compute
	// for seconds, then fail on its first IO-bound dial instead.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out strings.Builder
	err := CPUVersusIO(ctx, &out, Study{Tasks: 3, CPUTask: 200 * time.Millisecond, IOWait: time.Second, Idle: time.Minute})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "CPU-bound tasks: context canceled", err.Error())
	assert.NotContains(t, out.String(), "tasks at once", "no table of a cancelled study")
}
