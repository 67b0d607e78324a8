package pythonq

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
)

// These tests run Go workers of this transport (Dial) against a Server and
// a real hub: the queues' promises, kept over Python's wire.

func TestThreeWorkersAnswerEveryTaskExactlyOnce(t *testing.T) {
	m := startMaster(t, Options{})
	const tasks = 300
	for i := range tasks {
		m.put(t, 1000+i) // distinct numbers: a result names its task by its number
	}
	var wg sync.WaitGroup
	for range 3 {
		w := dial(t, m, Options{})
		wg.Go(func() {
			for {
				task, ok, err := w.GetTask(t.Context(), 100*time.Millisecond)
				if !assert.NoError(t, err) || !ok {
					return
				}
				if !assert.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: square(task.N)})) {
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	receive(t, done, "the workers did not run the queue dry")

	seen := make(map[uint64]int)
	for range tasks {
		r := m.result(t)
		seen[r.TaskID]++
		n, _, ok := leadingNumber(r.Text)
		require.True(t, ok, "result %q", r.Text)
		assert.Equal(t, m.n[r.TaskID], n, "the result %q went to task %d", r.Text, r.TaskID)
		assert.Equal(t, square(n), r.Text)
	}
	m.noMoreResults(t)
	assert.Len(t, seen, tasks, "every task has its result")
	for id, k := range seen {
		assert.Equal(t, 1, k, "results of task %d", id)
	}
	st := m.hub.Stats()
	assert.Equal(t, tasks, st.Results)
	assert.Zero(t, st.Duplicates+st.Late+st.PutBack+st.Expired, "%+v", st)
	assert.Zero(t, m.log.count("dropped"), m.log.text())
}

func TestAnEmptyQueueIsOkFalseAfterItsTimeout(t *testing.T) {
	m := startMaster(t, Options{})
	w := dial(t, m, Options{})
	const wait = 200 * time.Millisecond
	start := time.Now()
	_, ok, err := w.GetTask(bounded(t), wait)
	require.NoError(t, err, "an empty queue is no error")
	assert.False(t, ok)
	assert.GreaterOrEqual(t, time.Since(start), wait, "the get waited its timeout")

	// The queue is still served: a task put now is the next get's.
	m.put(t, 7)
	assert.Equal(t, 7, take(t, w).N)
}

func TestClosingTheHubEndsAWaitingGetWithErrClosed(t *testing.T) {
	m := startMaster(t, Options{})
	w := dial(t, m, Options{})
	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), time.Hour)
		got <- err
	}()
	// The hub's session is made by the first get that reaches the server.
	m.log.waitFor(t, "worker connected from")
	m.hub.Close()
	err := receive(t, got, "a get waiting for an hour did not hear the hub close")
	// The server raises queue.Empty with its note, not a cut connection.
	require.ErrorIs(t, err, taskq.ErrClosed)
	assert.NotErrorIs(t, err, ErrMasterGone, "the master said so; it did not hang up")

	_, _, err = w.GetTask(bounded(t), time.Hour)
	assert.ErrorIs(t, err, taskq.ErrClosed, "a later get hears it at once too")
}

func TestAWorkerThatClosesGivesItsTasksBackAtOnce(t *testing.T) {
	m := startMaster(t, Options{}, taskq.LeaseFor(time.Hour))
	m.put(t, 41, 42)
	a := dial(t, m, Options{})
	first, second := take(t, a), take(t, a)
	require.NoError(t, a.Close())

	// The lease is an hour; only the end of a's connection can give the
	// tasks back within the test's patience.
	b := dial(t, m, Options{})
	assert.Equal(t, first.N, take(t, b).N)
	assert.Equal(t, second.N, take(t, b).N)
	assert.Equal(t, 2, m.hub.Stats().PutBack)
	m.log.waitFor(t, "closed without answering tasks")
	assert.Equal(t, 1, m.log.count("closed without answering"), m.log.text())
}

func TestALateResultIsDroppedAndTheHoldersKept(t *testing.T) {
	const lease = 250 * time.Millisecond
	// setup hands a task to a, lets a's lease run out, and hands the task
	// to b.
	setup := func(t *testing.T) (m *master, a, b *Worker, n int) {
		m = startMaster(t, Options{}, taskq.LeaseFor(lease))
		m.put(t, 77)
		a, b = dial(t, m, Options{}), dial(t, m, Options{})
		n = take(t, a).N
		m.log.waitFor(t, "gave no sign of life")
		require.Equal(t, n, take(t, b).N, "b gets the task a lost")
		return m, a, b, n
	}
	fromA, fromB := square(77)+" (a)", square(77)+" (b)"

	t.Run("the holder's result alone", func(t *testing.T) {
		// a never answers: b's result must not be taken for a's late one.
		m, _, b, _ := setup(t)
		require.NoError(t, b.PutResult(t.Context(), taskq.Result{Text: fromB}))
		assert.Equal(t, fromB, m.result(t).Text)
	})
	t.Run("the holder's result first, then the late one", func(t *testing.T) {
		m, a, b, _ := setup(t)
		require.NoError(t, b.PutResult(t.Context(), taskq.Result{Text: fromB}))
		require.NoError(t, a.PutResult(t.Context(), taskq.Result{Text: fromA}))
		assert.Equal(t, fromB, m.result(t).Text, "the holder's result is kept")
		m.noMoreResults(t)
		assert.Equal(t, 1, m.hub.Stats().Late, "the late one is dropped as late")
		assert.Equal(t, 1, m.log.count("late result"), m.log.text())
	})
	t.Run("the late result first, then the holder's", func(t *testing.T) {
		// A result carries no sender on Python's wire: the first to come is
		// the holder's to the master, and the second is the late one. The
		// texts of two honest workers are the same.
		m, a, b, _ := setup(t)
		require.NoError(t, a.PutResult(t.Context(), taskq.Result{Text: fromA}))
		require.NoError(t, b.PutResult(t.Context(), taskq.Result{Text: fromB}))
		m.result(t)
		m.noMoreResults(t)
		st := m.hub.Stats()
		assert.Equal(t, 1, st.Results)
		assert.Equal(t, 1, st.Late)
		assert.Zero(t, st.Duplicates)
	})
}

func TestGetTaskTakesAnyTimeout(t *testing.T) {
	m := startMaster(t, Options{})
	w := dial(t, m, Options{})
	_, ok, err := w.GetTask(bounded(t), -time.Second)
	require.NoError(t, err, "a negative timeout does not wait, as with the other transports")
	assert.False(t, ok)

	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), math.MaxInt64)
		got <- err
	}()
	m.log.waitFor(t, "worker connected from")
	m.hub.Close()
	err = receive(t, got, "the longest wait did not hear the hub close")
	assert.ErrorIs(t, err, taskq.ErrClosed, "it waited, until the close")
}
