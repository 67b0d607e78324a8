package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"

	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
)

// The queues' promises, one table for every transport: the master's and
// the worker's code is the same whatever carries the queues, so each
// promise the rpc transport's tests make runs over each transport that can
// keep it. A transport that cannot keep one says so in skips, with the
// reason; the promises about a transport's own wire (frames, handshakes)
// stay in its package.

// contract is one promise of the queues, tested through a transport's open
// and dial as the commands use them.
type contract struct {
	name string
	test func(t *testing.T, tr transportUnderTest)
}

// transportUnderTest opens a transport's queues and dials its workers on
// loopback, with the test key.
type transportUnderTest struct {
	name  string
	skips map[string]string // contract name → why this transport cannot keep it
}

// contractSkips are the promises a transport cannot keep, and why.
var contractSkips = map[string]map[string]string{
	"python": {
		"only the holder of a task may answer it": "a result on Python's wire carries no task ID, only its text: " +
			"the master gives it to the oldest task handed out with the number it starts with, whoever sent it",
		"a result for a task never put never reaches the master": "Python's put returns nothing, so a worker " +
			"cannot be told; the master drops such a result with a line in its log (pythonq's tests)",
		"a live worker keeps its task past the lease": "Python's protocol has no heartbeat: a worker that " +
			"works longer than -lease loses its task to another; give -lease room for the longest task",
	},
}

var contracts = []contract{
	{"every result comes exactly once", testEveryResultOnce},
	{"an empty queue is an ordinary outcome", testEmptyQueueIsOrdinary},
	{"closing the queues ends a waiting worker", testClosingEndsAWaitingWorker},
	{"a worker that connects after the close hears it", testLateWorkerHearsTheClose},
	{"a second result is dropped", testSecondResultDropped},
	{"only the holder of a task may answer it", testOnlyTheHolderAnswers},
	{"a result for a task never put never reaches the master", testUnknownTaskRefused},
	{"a worker that stops gives its tasks back", testClosedWorkerGivesTasksBack},
	{"a live worker keeps its task past the lease", testLiveWorkerKeepsItsLease},
	{"a wrong key is refused in one line", testWrongKeyRefused},
}

func TestEveryTransportKeepsTheQueuesPromises(t *testing.T) {
	for _, name := range transportNames() {
		tr := transportUnderTest{name: name, skips: contractSkips[name]}
		t.Run(name, func(t *testing.T) {
			for _, c := range contracts {
				t.Run(c.name, func(t *testing.T) {
					if why, ok := tr.skips[c.name]; ok {
						t.Skipf("the %s transport cannot keep this: %s", name, why)
					}
					c.test(t, tr)
				})
			}
		})
	}
}

// contractWait bounds every wait of a contract for something that must
// happen; a lease in these tests is far shorter, or far longer.
const contractWait = 15 * time.Second

// flagsFor returns the transport's own flags for command, at their
// defaults: for jetstream, an embedded server with a temporary store.
func (tr transportUnderTest) flagsFor(command string) any {
	f := transports[tr.name].flags
	if f == nil {
		return nil
	}
	return f(flag.NewFlagSet(command, flag.ContinueOnError), command)
}

// open opens the queues with the given lease (0: the master's default) and
// closes them when the test ends. Notes go to log.
func (tr transportUnderTest) open(t *testing.T, lease time.Duration, log *noteLog) queues {
	t.Helper()
	if lease == 0 {
		lease = defaultLease
	}
	q, err := transports[tr.name].open(t.Context(), openOptions{
		addr: "127.0.0.1:0", key: []byte(testKey), lease: lease, logf: log.note, flags: tr.flagsFor("master"),
	})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, q.Close()) })
	return q
}

// dialAt connects a worker to the queues at addr with key, as the worker
// command does.
func (tr transportUnderTest) dialAt(ctx context.Context, addr, key string) (taskq.Worker, error) {
	return transports[tr.name].dial(ctx, dialOptions{addr: addr, key: []byte(key), flags: tr.flagsFor("worker")})
}

// dial connects a worker with key, closed when the test ends.
func (tr transportUnderTest) dial(t *testing.T, q queues, key string) (taskq.Worker, error) {
	t.Helper()
	w, err := tr.dialAt(t.Context(), q.Addr(), key)
	if err == nil {
		t.Cleanup(func() { _ = w.Close() })
	}
	return w, err
}

func (tr transportUnderTest) mustDial(t *testing.T, q queues) taskq.Worker {
	t.Helper()
	w, err := tr.dial(t, q, testKey)
	require.NoError(t, err)
	return w
}

// noteLog keeps the notes a transport logs, safe for its goroutines.
type noteLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *noteLog) note(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *noteLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func putTasks(t *testing.T, q queues, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		require.NoError(t, q.PutTask(t.Context(), taskq.Task{ID: uint64(i), N: i}))
	}
}

// takeTask waits for a task, failing the test if none comes.
func takeTask(t *testing.T, w taskq.Worker) taskq.Task {
	t.Helper()
	task, ok, err := w.GetTask(t.Context(), contractWait)
	require.NoError(t, err)
	require.True(t, ok, "no task within %v", contractWait)
	return task
}

// takeResult waits for a result, failing the test if none comes.
func takeResult(t *testing.T, q queues) taskq.Result {
	t.Helper()
	r, ok, err := q.GetResult(t.Context(), contractWait)
	require.NoError(t, err)
	require.True(t, ok, "no result within %v", contractWait)
	return r
}

// noMoreResults checks that no result is waiting, or comes within d.
func noMoreResults(t *testing.T, q queues, d time.Duration) {
	t.Helper()
	r, ok, err := q.GetResult(t.Context(), d)
	require.NoError(t, err)
	assert.False(t, ok, "a result came that should not have: %+v", r)
}

func squareOf(task taskq.Task) taskq.Result {
	return taskq.Result{TaskID: task.ID, Text: fmt.Sprintf("%d * %d = %d", task.N, task.N, task.N*task.N)}
}

// refusal hands in a result the master must refuse and returns what the
// worker hears of it: a transport may say so at once, at the worker's next
// call, or when it sends what it held back.
func refusal(t *testing.T, w taskq.Worker, r taskq.Result) error {
	t.Helper()
	if err := w.PutResult(t.Context(), r); err != nil {
		return err
	}
	if _, _, err := w.GetTask(t.Context(), 10*time.Millisecond); err != nil {
		return err
	}
	return w.Close()
}

// isRefusal says whether err is the master refusing a result.
func isRefusal(err error) bool {
	_, notLeased := errors.AsType[*taskq.NotLeasedError](err)
	_, unknown := errors.AsType[*taskq.UnknownTaskError](err)
	return notLeased || unknown || strings.Contains(fmt.Sprint(err), "the master refused")
}

func testEveryResultOnce(t *testing.T, tr transportUnderTest) {
	const tasks = 300
	q := tr.open(t, 0, &noteLog{})
	var wg sync.WaitGroup
	ran := make([]bytes.Buffer, 3)
	for i := range ran {
		w := tr.mustDial(t, q)
		wg.Go(func() { assert.NoError(t, work(t.Context(), &ran[i], quiet, w, 0, contractWait)) })
	}
	var out bytes.Buffer
	require.NoError(t, putAndCollect(t.Context(), &out, q, tasks, contractWait))
	q.CloseQueues()
	wg.Wait()
	checkMasterOutput(t, lines(out.String()), tasks)
	runs := 0
	for i := range ran {
		runs += len(numbers(t, lines(ran[i].String()), runLine))
	}
	assert.Equal(t, tasks, runs, "with no worker lost, each task ran once")
}

func testEmptyQueueIsOrdinary(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	w := tr.mustDial(t, q)
	_, ok, err := w.GetTask(t.Context(), 50*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok)
	noMoreResults(t, q, 10*time.Millisecond)
}

func testClosingEndsAWaitingWorker(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	w := tr.mustDial(t, q)
	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), time.Hour)
		got <- err
	}()
	q.CloseQueues()
	err := receive(t, got, contractWait, "a worker waiting for a task did not hear that the queues closed")
	assert.ErrorIs(t, err, taskq.ErrClosed)
}

func testLateWorkerHearsTheClose(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	q.CloseQueues()
	w := tr.mustDial(t, q)
	_, _, err := w.GetTask(t.Context(), contractWait)
	assert.ErrorIs(t, err, taskq.ErrClosed)
}

func testSecondResultDropped(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	w := tr.mustDial(t, q)
	putTasks(t, q, 1)
	task := takeTask(t, w)
	first := squareOf(task)
	require.NoError(t, w.PutResult(t.Context(), first))
	second := first
	second.Text = "a second answer"
	_ = w.PutResult(t.Context(), second) // refused or dropped: the master must not see it
	_ = w.Close()
	assert.Equal(t, first, takeResult(t, q))
	noMoreResults(t, q, 200*time.Millisecond)
}

func testOnlyTheHolderAnswers(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	putTasks(t, q, 1)
	holder := tr.mustDial(t, q)
	task := takeTask(t, holder)
	forger := tr.mustDial(t, q)
	err := refusal(t, forger, taskq.Result{TaskID: task.ID, Text: "forged"})
	assert.True(t, isRefusal(err), "the forger was not told its result was refused: %v", err)
	require.NoError(t, holder.PutResult(t.Context(), squareOf(task)))
	require.NoError(t, holder.Close())
	assert.Equal(t, squareOf(task), takeResult(t, q), "the holder's result, not the forger's")
	noMoreResults(t, q, 200*time.Millisecond)
}

func testUnknownTaskRefused(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	putTasks(t, q, 1)
	w := tr.mustDial(t, q)
	err := refusal(t, w, taskq.Result{TaskID: 999, Text: "made up"})
	assert.True(t, isRefusal(err), "the worker was not told its result was refused: %v", err)
	honest := tr.mustDial(t, q)
	task := takeTask(t, honest)
	require.NoError(t, honest.PutResult(t.Context(), squareOf(task)))
	require.NoError(t, honest.Close())
	assert.Equal(t, squareOf(task), takeResult(t, q))
	noMoreResults(t, q, 200*time.Millisecond)
}

func testClosedWorkerGivesTasksBack(t *testing.T, tr transportUnderTest) {
	// A lease of an hour: only the worker's stop can give the task back in
	// time.
	q := tr.open(t, time.Hour, &noteLog{})
	putTasks(t, q, 1)
	leaving := tr.mustDial(t, q)
	task := takeTask(t, leaving)
	require.NoError(t, leaving.Close())
	other := tr.mustDial(t, q)
	assert.Equal(t, task, takeTask(t, other), "the task came back as soon as its worker stopped")
}

func testLiveWorkerKeepsItsLease(t *testing.T, tr transportUnderTest) {
	// A 400 ms lease, and a worker that holds its task for three of them:
	// alive, it keeps it.
	const lease = 400 * time.Millisecond
	q := tr.open(t, lease, &noteLog{})
	putTasks(t, q, 1)
	busy := tr.mustDial(t, q)
	task := takeTask(t, busy)
	other := tr.mustDial(t, q)
	_, ok, err := other.GetTask(t.Context(), 3*lease)
	require.NoError(t, err)
	assert.False(t, ok, "a live worker's task was handed to another")
	require.NoError(t, busy.PutResult(t.Context(), squareOf(task)))
	require.NoError(t, busy.Close())
	assert.Equal(t, squareOf(task), takeResult(t, q))
}

func testWrongKeyRefused(t *testing.T, tr transportUnderTest) {
	q := tr.open(t, 0, &noteLog{})
	_, err := tr.dial(t, q, "not the key")
	require.Error(t, err, "a worker with the wrong key was let in")
	assert.Regexp(t, `refused our key`, err.Error())
	assert.NotContains(t, err.Error(), "\n", "one line")
	// The master goes on serving those who know the key.
	w := tr.mustDial(t, q)
	putTasks(t, q, 1)
	task := takeTask(t, w)
	require.NoError(t, w.PutResult(t.Context(), squareOf(task)))
	require.NoError(t, w.Close())
	assert.Equal(t, squareOf(task), takeResult(t, q))
}
