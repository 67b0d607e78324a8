package taskq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logged collects the hub's log lines.
type logged struct {
	mu    sync.Mutex
	lines []string
}

func (l *logged) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logged) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// putTasks puts tasks 1..n with N = 100+ID.
func putTasks(t *testing.T, h *Hub, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		require.NoError(t, h.PutTask(t.Context(), Task{ID: uint64(i), N: 100 + i}))
	}
}

func ids(tasks []Task) []uint64 {
	out := make([]uint64, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

func TestEmptyQueueIsAnOrdinaryOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil)
		s := h.Connect("")
		start := time.Now()
		task, ok, err := s.GetTask(t.Context(), time.Second)
		require.NoError(t, err, "an empty queue is not an error")
		assert.False(t, ok)
		assert.Zero(t, task)
		assert.Equal(t, time.Second, time.Since(start), "GetTask waits its whole timeout, no more")

		r, ok, err := h.GetResult(t.Context(), 2*time.Second)
		require.NoError(t, err)
		assert.False(t, ok)
		assert.Zero(t, r)
		assert.Equal(t, 3*time.Second, time.Since(start))
	})
}

func TestWaitingWorkerGetsATaskPutLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil)
		s := h.Connect("")
		go func() {
			time.Sleep(300 * time.Millisecond) // bubble time: instant and exact
			assert.NoError(t, h.PutTask(context.Background(), Task{ID: 7, N: 3}))
		}()
		start := time.Now()
		task, ok, err := s.GetTask(t.Context(), time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, Task{ID: 7, N: 3}, task)
		assert.Equal(t, 300*time.Millisecond, time.Since(start))
	})
}

func TestTasksOfAWorkerThatLeftArePutBack(t *testing.T) {
	var log logged
	h := NewHub(log.logf)
	putTasks(t, h, 4)
	gone := h.Connect("10.0.0.1:1")
	taken, err := gone.GetTasks(t.Context(), 2, 0)
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2}, ids(taken))
	require.NoError(t, gone.PutResult(t.Context(), Result{TaskID: 1, Text: "one"}))
	require.NoError(t, gone.Close(), "the worker leaves holding task 2")
	require.NoError(t, gone.Close(), "closing twice is harmless")

	stayed := h.Connect("")
	rest, err := stayed.GetTasks(t.Context(), 10, 0)
	require.NoError(t, err)
	assert.ElementsMatch(t, []uint64{2, 3, 4}, ids(rest), "task 2 is back, 1 is answered")

	st := h.Stats()
	assert.Equal(t, 1, st.PutBack)
	assert.Equal(t, 2, st.Sessions)
	assert.Contains(t, log.all(), "worker connected from 10.0.0.1:1 (connection #1)")
	assert.Contains(t, log.all(), "connection #1 closed without answering task 2 (n=102); put back in the queue")

	_, err = gone.GetTasks(t.Context(), 1, 0)
	assert.ErrorIs(t, err, ErrClosed, "a closed session takes no more tasks")
	assert.ErrorIs(t, gone.PutResult(t.Context(), Result{TaskID: 2}), ErrClosed)
}

func TestEachTaskHasOneResult(t *testing.T) {
	var log logged
	h := NewHub(log.logf)
	putTasks(t, h, 2)
	a, b := h.Connect(""), h.Connect("")
	ta, err := a.GetTasks(t.Context(), 1, 0)
	require.NoError(t, err)
	require.Equal(t, []uint64{1}, ids(ta))

	// b answers a's task (a confused or forging worker): refused, since only
	// the holder of a lease may answer. a's answer counts; its second one is
	// a duplicate; a's lease is gone, so closing a puts nothing back.
	err = b.PutResult(t.Context(), Result{TaskID: 1, Text: "from b"})
	notLeased, ok := errors.AsType[*NotLeasedError](err)
	require.True(t, ok, "got %v", err)
	assert.Equal(t, []uint64{1}, notLeased.IDs)
	require.NoError(t, a.PutResult(t.Context(), Result{TaskID: 1, Text: "from a"}))
	require.NoError(t, a.PutResult(t.Context(), Result{TaskID: 1, Text: "again"}))
	require.NoError(t, b.PutResult(t.Context(), Result{TaskID: 1, Text: "b again"}), "a result for an answered task is dropped, whoever sends it")
	require.NoError(t, a.Close())

	r, ok, err := h.GetResult(t.Context(), 0)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Result{TaskID: 1, Text: "from a"}, r)
	_, ok, err = h.GetResult(t.Context(), 0)
	require.NoError(t, err)
	assert.False(t, ok, "the duplicates never reach the result queue")

	st := h.Stats()
	assert.Equal(t, Stats{Tasks: 2, Results: 1, Duplicates: 2, NotLeased: 1, Sessions: 2}, st)
	assert.Contains(t, log.all(), "connection #1 sent a second result for task 1; dropped")
	assert.Contains(t, log.all(), "connection #2 sent a result for task 1, not leased to it; refused")

	rest, err := b.GetTasks(t.Context(), 5, 0)
	require.NoError(t, err)
	assert.Equal(t, []uint64{2}, ids(rest), "an answered task is never handed out again")
}

func TestForgedResultsAreRefusedAndLoggedOnce(t *testing.T) {
	// A key holder sends results for tasks it never took: 50 still in the
	// queue, and one leased to an honest worker, in 100 calls. Not one is
	// kept, the log says so once, and the honest worker's result counts.
	var log logged
	h := NewHub(log.logf)
	putTasks(t, h, 100)
	honest, forger := h.Connect(""), h.Connect("")
	held, err := honest.GetTasks(t.Context(), 1, 0)
	require.NoError(t, err)
	require.Equal(t, []uint64{1}, ids(held))
	for i := range 100 {
		id := uint64(1 + i%51)
		err := forger.PutResult(t.Context(), Result{TaskID: id, Text: "forged"})
		_, refused := errors.AsType[*NotLeasedError](err)
		require.True(t, refused, "forged result for task %d: got %v", id, err)
	}
	require.NoError(t, honest.PutResult(t.Context(), Result{TaskID: 1, Text: "honest"}))
	r, ok, err := h.GetResult(t.Context(), 0)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Result{TaskID: 1, Text: "honest"}, r)
	_, ok, err = h.GetResult(t.Context(), 0)
	require.NoError(t, err)
	assert.False(t, ok, "no forged result was kept")
	assert.Equal(t, 100, h.Stats().NotLeased)

	require.NoError(t, forger.Close())
	var about []string
	for _, line := range log.all() {
		if strings.HasPrefix(line, "connection #2") {
			about = append(about, line)
		}
	}
	assert.Equal(t, []string{
		"connection #2 sent a result for task 1, not leased to it; refused",
		"connection #2 sent 99 more results it was not entitled to in all, not logged one by one",
	}, about)
}

func TestALeaseRunsOutWithoutASignOfLife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logged
		h := NewHub(log.logf, LeaseFor(time.Second))
		putTasks(t, h, 1)
		stopped, other := h.Connect(""), h.Connect("")
		taken, err := stopped.GetTasks(t.Context(), 1, 0)
		require.NoError(t, err)
		require.Equal(t, []uint64{1}, ids(taken))

		// The other worker waits; the task comes back to the queue when the
		// stopped worker's lease runs out, a second later, and not before.
		start := time.Now()
		again, err := other.GetTasks(t.Context(), 1, time.Hour)
		require.NoError(t, err)
		require.Equal(t, []uint64{1}, ids(again))
		assert.Equal(t, time.Second, time.Since(start))
		assert.Contains(t, log.all(), "connection #1 gave no sign of life for 1s: its lease on task 1 (n=101) ran out; put back in the queue")

		// The stopped worker wakes and answers, late: dropped, and no error,
		// since it did nothing wrong. The other worker's answer counts.
		require.NoError(t, stopped.PutResult(t.Context(), Result{TaskID: 1, Text: "late"}))
		require.NoError(t, other.PutResult(t.Context(), Result{TaskID: 1, Text: "on time"}))
		r, ok, err := h.GetResult(t.Context(), 0)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "on time", r.Text)
		_, ok, err = h.GetResult(t.Context(), 0)
		require.NoError(t, err)
		assert.False(t, ok, "the late result is not kept")

		st := h.Stats()
		assert.Equal(t, 1, st.Expired)
		assert.Equal(t, 1, st.Late)
		assert.Equal(t, 0, st.PutBack)
		assert.Contains(t, log.all(), "connection #1 sent a late result for task 1, after its lease ran out; dropped")
		require.NoError(t, stopped.Close())
		require.NoError(t, other.Close())
	})
}

func TestALiveWorkerKeepsItsLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil, LeaseFor(time.Second))
		putTasks(t, h, 1)
		busy, other := h.Connect(""), h.Connect("")
		_, err := busy.GetTasks(t.Context(), 1, 0)
		require.NoError(t, err)
		// A task that takes 10 leases' length, with a heartbeat every half
		// lease: nobody else gets the task meanwhile.
		for range 20 {
			time.Sleep(500 * time.Millisecond)
			require.NoError(t, busy.Renew())
		}
		got, err := other.GetTasks(t.Context(), 1, 0)
		require.NoError(t, err)
		assert.Empty(t, got, "a renewed lease does not run out")
		require.NoError(t, busy.PutResult(t.Context(), Result{TaskID: 1, Text: "done"}))
		assert.Equal(t, 1, h.Stats().Results)
		assert.Zero(t, h.Stats().Expired)
		require.NoError(t, busy.Close())
		assert.ErrorIs(t, busy.Renew(), ErrClosed)
	})
}

func TestResultForUnknownTaskIsRefused(t *testing.T) {
	var log logged
	h := NewHub(log.logf)
	putTasks(t, h, 1)
	s := h.Connect("")
	_, err := s.GetTasks(t.Context(), 1, 0)
	require.NoError(t, err)
	err = s.PutResults(t.Context(), []Result{{TaskID: 1, Text: "ok"}, {TaskID: 99}, {TaskID: 98}})
	unknown, isUnknown := errors.AsType[*UnknownTaskError](err)
	require.True(t, isUnknown, "got %v", err)
	assert.Equal(t, []uint64{99, 98}, unknown.IDs)
	assert.EqualError(t, err, "result for unknown task 99, 98")

	r, ok, err := h.GetResult(t.Context(), 0)
	require.NoError(t, err)
	require.True(t, ok, "the known result in the same batch is kept")
	assert.Equal(t, uint64(1), r.TaskID)
	assert.Equal(t, 2, h.Stats().Unknown)
	assert.Contains(t, log.all(), "connection #1 sent a result for unknown tasks 99, 98; refused")
}

func TestTaskIDsAreUnique(t *testing.T) {
	h := NewHub(nil)
	require.NoError(t, h.PutTask(t.Context(), Task{ID: 1}))
	assert.EqualError(t, h.PutTask(t.Context(), Task{ID: 1}), "task 1 was already put")
}

func TestCloseEndsEveryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil)
		s := h.Connect("")
		var wg sync.WaitGroup
		wg.Go(func() {
			_, _, err := s.GetTask(context.Background(), time.Hour)
			assert.ErrorIs(t, err, ErrClosed)
		})
		wg.Go(func() {
			_, _, err := h.GetResult(context.Background(), time.Hour)
			assert.ErrorIs(t, err, ErrClosed)
		})
		synctest.Wait() // both are blocked now
		h.Close()
		wg.Wait()
		assert.ErrorIs(t, h.PutTask(t.Context(), Task{ID: 1}), ErrClosed)
	})
}

func TestSessionCloseEndsItsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil)
		s := h.Connect("")
		done := make(chan error)
		go func() {
			_, err := s.GetTasks(context.Background(), 1, time.Hour)
			done <- err
		}()
		synctest.Wait()
		require.NoError(t, s.Close())
		assert.ErrorIs(t, <-done, ErrClosed)

		// A task put now is not leased to the closed session.
		require.NoError(t, h.PutTask(t.Context(), Task{ID: 1}))
		other, err := h.Connect("").GetTasks(t.Context(), 1, 0)
		require.NoError(t, err)
		assert.Len(t, other, 1)
	})
}

func TestCancelledContextEndsAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, _, err := h.Connect("").GetTask(ctx, time.Hour)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestLeaseIsBounded(t *testing.T) {
	h := NewHub(nil)
	putTasks(t, h, maxLease+10)
	got, err := h.Connect("").GetTasks(t.Context(), 1<<30, 0)
	require.NoError(t, err)
	assert.Len(t, got, maxLease)
}

func TestFifoKeepsOrderAcrossCompaction(t *testing.T) {
	var f fifo[int]
	next, want := 0, 0
	// Keep the queue from ever emptying, so that only compaction can keep
	// its slice from growing.
	for range 10_000 {
		f.push(next)
		next++
		f.push(next)
		next++
		v, ok := f.pop()
		require.True(t, ok)
		require.Equal(t, want, v)
		want++
	}
	for {
		v, ok := f.pop()
		if !ok {
			break
		}
		require.Equal(t, want, v)
		want++
	}
	assert.Equal(t, next, want)
}

func TestSizesCountWhatWaits(t *testing.T) {
	h := NewHub(nil)
	defer h.Close()
	for i := range 3 {
		require.NoError(t, h.PutTask(t.Context(), Task{ID: uint64(i + 1), N: i}))
	}
	s := h.Connect("")
	defer s.Close()
	task, ok, err := s.GetTask(t.Context(), 0)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.PutResult(t.Context(), Result{TaskID: task.ID, Text: "done"}))
	tasks, results := h.Sizes()
	assert.Equal(t, 2, tasks, "the task taken is not waiting")
	assert.Equal(t, 1, results)
}
