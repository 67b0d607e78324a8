package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
)

// These tests run the master and worker logic against the hub directly, in
// a synctest bubble: no network, and the clock is exact.

func TestEmptyQueueEndsTheWorkerCleanly(t *testing.T) {
	// task_worker.py catches Queue.Empty, a name that does not exist, so it
	// dies with NameError exactly when the queue runs dry. Here an empty
	// queue is an ok == false.
	synctest.Test(t, func(t *testing.T) {
		hub := taskq.NewHub(nil)
		require.NoError(t, hub.PutTask(t.Context(), taskq.Task{ID: 1, N: 3}))
		var out bytes.Buffer
		start := time.Now()
		require.NoError(t, work(t.Context(), &out, quiet, hub.Connect(""), time.Second, 2*time.Second))
		assert.Equal(t, "run task 3 * 3...\ntask queue is empty.\nworker exit.\n", out.String())
		assert.Equal(t, 3*time.Second, time.Since(start), "one second of work, then two of waiting")

		r, ok, err := hub.GetResult(t.Context(), 0)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, taskq.Result{TaskID: 1, Text: "3 * 3 = 9"}, r)
	})
}

func TestMasterGivesUpAfterTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := taskq.NewHub(nil)
		var out bytes.Buffer
		// In the bubble a master that never gives up would loop forever
		// without a moment of real time passing; this deadline (bubble time,
		// too) makes it fail instead.
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		err := putAndCollect(ctx, &out, hub, 7, 10*time.Second)
		missing, ok := errors.AsType[*missingResults](err)
		require.True(t, ok, "the master did not give up after 10s without a result; got %v", err)
		assert.Len(t, missing.open, 7)
		assert.Contains(t, err.Error(), "no result for 10s: 7 of 7 results missing (for ")
		assert.Contains(t, err.Error(), " and 2 more); is a worker running, with the same key?")
		assert.Equal(t, 10*time.Second, time.Since(start))
	})
}

func TestTheTimeoutCountsFromTheLastResult(t *testing.T) {
	// Like Python's result.get(timeout=10): a slow run is fine as long as
	// results keep coming.
	synctest.Test(t, func(t *testing.T) {
		hub := taskq.NewHub(nil)
		var wg sync.WaitGroup
		wg.Go(func() {
			assert.NoError(t, work(context.Background(), &bytes.Buffer{}, quiet, hub.Connect(""), 4*time.Second, time.Minute))
		})
		start := time.Now()
		require.NoError(t, putAndCollect(t.Context(), &bytes.Buffer{}, hub, 3, 5*time.Second))
		assert.Equal(t, 12*time.Second, time.Since(start), "three 4s tasks pass a 5s timeout")
		hub.Close()
		wg.Wait()
	})
}

// replay is a taskq.Master whose results come from a script, to show what
// the master does with whatever a transport might deliver.
type replay struct {
	tasks   []taskq.Task
	results []taskq.Result
}

func (r *replay) PutTask(_ context.Context, t taskq.Task) error {
	r.tasks = append(r.tasks, t)
	return nil
}

func (r *replay) GetResult(context.Context, time.Duration) (taskq.Result, bool, error) {
	if len(r.results) == 0 {
		return taskq.Result{}, false, nil
	}
	res := r.results[0]
	r.results = r.results[1:]
	return res, true, nil
}

func TestMasterPrintsEachResultOnce(t *testing.T) {
	q := &replay{results: []taskq.Result{
		{TaskID: 2, Text: "second"},
		{TaskID: 2, Text: "second again"},
		{TaskID: 99, Text: "never put"},
		{TaskID: 1, Text: "first"},
	}}
	var out bytes.Buffer
	require.NoError(t, putAndCollect(t.Context(), &out, q, 2, time.Second))
	got := lines(out.String())
	assert.Equal(t, []string{"Result: second", "Result: first"}, got[len(got)-2:])
	assert.Equal(t, 2, strings.Count(out.String(), "Result:"))
}

// resumedReplay is a replay whose queues an earlier master left a run in,
// as a broker's queues kept on disk can be.
type resumedReplay struct {
	replay
	put   []taskq.Task
	taken []uint64
}

func (r *resumedReplay) Resumed() ([]taskq.Task, []uint64) { return r.put, r.taken }

func TestMasterFinishesTheRunAnEarlierMasterLeft(t *testing.T) {
	// The earlier master put tasks 1 to 3 and took the result of task 1.
	q := &resumedReplay{
		put:   []taskq.Task{{ID: 1, N: 5}, {ID: 2, N: 6}, {ID: 3, N: 7}},
		taken: []uint64{1},
		replay: replay{results: []taskq.Result{
			{TaskID: 3, Text: "7 * 7 = 49"},
			{TaskID: 1, Text: "5 * 5 = 25, again"},
			{TaskID: 4, Text: "the new one"},
			{TaskID: 2, Text: "6 * 6 = 36"},
		}},
	}
	var out bytes.Buffer
	require.NoError(t, putAndCollect(t.Context(), &out, q, 4, time.Second))
	require.Len(t, q.tasks, 1, "only the task the earlier master did not put is put")
	assert.Equal(t, uint64(4), q.tasks[0].ID)
	got := lines(out.String())
	assert.Regexp(t, `^Put task \d+\.\.\.$`, got[0])
	assert.Equal(t, []string{"Try get results...", "Result: 7 * 7 = 49", "Result: the new one", "Result: 6 * 6 = 36"}, got[1:],
		"the results of the tasks put and not taken, each once")
}

func TestResultTextCannotControlTheTerminal(t *testing.T) {
	assert.Equal(t, "3 * 3 = 9", printable("3 * 3 = 9"))
	assert.Equal(t, `"9\nResult: forged"`, printable("9\nResult: forged"))
	assert.Equal(t, `"\x1b[2J"`, printable("\x1b[2J"))
}

func TestLineWriterKeepsLinesWhole(t *testing.T) {
	var out bytes.Buffer
	mux := newLineMux(&out)
	a, b := mux.writer("a | "), mux.writer("b | ")
	var wg sync.WaitGroup
	for _, w := range []*lineWriter{a, b} {
		wg.Go(func() {
			for range 100 {
				_, _ = w.Write([]byte("one "))
				_, _ = w.Write([]byte("line\nand the "))
				_, _ = w.Write([]byte("next\n"))
			}
		})
	}
	wg.Wait()
	_, _ = a.Write([]byte("no newline"))
	require.NoError(t, a.Flush())
	require.NoError(t, b.Flush(), "nothing to flush")

	got := lines(out.String())
	require.Len(t, got, 401)
	for _, line := range got[:400] {
		assert.Regexp(t, `^[ab] \| (one line|and the next)$`, line)
	}
	assert.Equal(t, "a | no newline", got[400])
}

func TestTheTimeoutNamesTheEarlierMastersTasksItCannotNumber(t *testing.T) {
	// The earlier master put tasks 1 to 3; the broker kept only their IDs.
	q := &resumedReplay{put: []taskq.Task{{ID: 1, N: unknownN}, {ID: 2, N: unknownN}, {ID: 3, N: unknownN}}}
	err := putAndCollect(t.Context(), io.Discard, q, 4, time.Millisecond)
	require.Error(t, err)
	assert.Regexp(t, `^no result for 1ms: 4 of 4 results missing \(for \d+, and 3 tasks put by the earlier master\); `, err.Error())
	assert.NotContains(t, err.Error(), "-1")
}
