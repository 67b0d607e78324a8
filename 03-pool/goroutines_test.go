package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
)

// In -mode goroutine every sleep happens inside a synctest bubble: the fake
// clock jumps to the next timer as soon as every goroutine waits, so the
// default 0-3 s sleeps take no real time, and every task that is not waiting
// for a place starts at the very same fake instant.

func TestGoroutineModeRunsAtMostWorkersAtOnce(t *testing.T) {
	tests := []struct{ workers, tasks int }{{1, 4}, {2, 5}, {4, 5}, {3, 10}, {6, 4}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d,tasks=%d", tt.workers, tt.tasks), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				t0 := time.Now()
				var rec recorder
				out, err := runObserved(t.Context(), t, &rec, "-mode", "goroutine", "-workers", fmt.Sprint(tt.workers), "-tasks", fmt.Sprint(tt.tasks))
				require.NoError(t, err)
				tr := parseTranscript(t, out, tt.tasks)
				limit := min(tt.workers, tt.tasks)

				// The output never shows more than -workers tasks running,
				// and shows exactly that many: the first ones all start at
				// the same fake instant, before any has finished its sleep.
				// So the check would see a pool that lets more run.
				assert.Equal(t, limit, tr.most, "most tasks running at once, by the output:\n%s", out)
				assert.Contains(t, tr.notes, fmt.Sprintf("At most %d tasks ran at once (-workers %d).", limit, tt.workers))
				assert.Equal(t, 1, tr.waitingAt, "Group.Go waits for a place, so the Waiting line comes first")

				// By the clock too, never more than -workers at once.
				list := intervals(t, rec.events())
				require.Len(t, list, tt.tasks)
				assert.Equal(t, limit, mostOverlapping(list), "most tasks running at once, by the clock")

				// Goroutines share the process: every line shows its PID.
				assert.Equal(t, os.Getpid(), tr.parentPID)
				assert.Equal(t, []int{os.Getpid()}, tr.pids())
				for task, s := range tr.seconds {
					assert.True(t, s >= 0 && s <= 3, "task %d ran %v seconds, want 0 to 3", task, s)
				}
				assert.Less(t, time.Since(t0), time.Duration(tt.tasks)*3*time.Second, "fake time passed")
			})
		})
	}
}

func TestGoroutineModeTaskWaitsForAFreeWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		var rec recorder
		_, err := runObserved(t.Context(), t, &rec, "-mode", "goroutine", "-workers", "2", "-tasks", "6")
		require.NoError(t, err)

		// Tasks 0 and 1 start at once. Each later task starts at the very
		// instant an earlier task ends (the fake clock makes that exact),
		// and after that end has been reported: it waited for that place.
		var ends []time.Time
		startedAtOnce := 0
		for _, e := range rec.events() {
			switch {
			case !e.Started:
				ends = append(ends, e.At)
			case e.At.Equal(t0):
				startedAtOnce++
				assert.Less(t, e.Task, 2, "task %d started without waiting", e.Task)
			default:
				assert.Contains(t, ends, e.At, "task %d started at %v, when no task ended", e.Task, e.At.Sub(t0))
			}
		}
		assert.Equal(t, 2, startedAtOnce)
	})
}

func TestGoroutineModeReportsErrorsAndPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		err := run(t.Context(), &out, []string{"-mode", "goroutine", "-workers", "2", "-fail", "1", "-panic", "3"})
		require.Error(t, err)
		assert.Equal(t, 1, cli.ExitCode(err), "a failed task makes the exit status 1")
		assert.Equal(t, "2 of 5 tasks failed: task 1: planned failure (-fail 1); task 3: panic: planned panic (-panic 3)", err.Error())

		tr := parseTranscript(t, out.String(), 5)
		assert.Equal(t, map[int]string{1: "planned failure (-fail 1)", 3: "panic: planned panic (-panic 3)"}, tr.failed)
		assert.Len(t, tr.seconds, 3, "the other tasks still finish")
		assert.Equal(t, 2, tr.most)
	})
}

func TestGoroutineModeInterruptLosesNoTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// With sleeps of up to an hour and a second before Ctrl-C, the
		// first two tasks are cut short and the others never start.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		var rec recorder
		t0 := time.Now()
		out, err := runObserved(ctx, t, &rec, "-mode", "goroutine", "-workers", "2", "-tasks", "5", "-max-sleep", "1h")
		require.Error(t, err)
		assert.Equal(t, time.Second, time.Since(t0), "running tasks stop when ctx ends")
		assert.Contains(t, err.Error(), "interrupted: context deadline exceeded")

		tr := parseTranscript(t, out, 5) // every task has its end line
		for task, why := range tr.failed {
			if _, started := tr.pidOf[task]; started {
				assert.Equal(t, "interrupted: context deadline exceeded", why, "task %d", task)
			} else {
				assert.Equal(t, "not run: interrupted: context deadline exceeded", why, "task %d", task)
			}
		}
		for _, e := range rec.events() {
			if e.Started {
				assert.Less(t, e.At.Sub(t0), time.Second, "task %d started after the interrupt", e.Task)
			}
		}
	})
}
