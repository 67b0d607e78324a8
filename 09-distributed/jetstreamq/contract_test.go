package jetstreamq

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
)

// The behaviours every transport of taskq promises, over JetStream.

func TestEveryResultComesExactlyOnce(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{})
	const n = 500
	putTasks(t, m, n)
	wait := runWorkers(t, s.URL(), 2, 300*time.Millisecond, WorkerOptions{})
	requireAll(t, collect(t, m, n), n)
	wait()
	assert.Equal(t, taskq.Stats{Tasks: n, Results: n}, m.Stats())
}

func TestAnEmptyQueueIsAnOrdinaryOutcome(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{})
	w := dialWorker(t, s.URL(), WorkerOptions{})

	task, ok, err := w.GetTask(t.Context(), 50*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok, "GetTask on an empty queue gave %+v", task)
	r, ok, err := m.GetResult(t.Context(), 50*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok, "GetResult with no result gave %+v", r)
}

func TestClosingTheMasterEndsTheWorkersWait(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{})
	w := dialWorker(t, s.URL(), WorkerOptions{})

	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), time.Hour)
		got <- err
	}()
	require.NoError(t, m.Close())
	select {
	case err := <-got:
		require.ErrorIs(t, err, taskq.ErrClosed)
	case <-time.After(waitLimit):
		t.Fatalf("a worker waiting for a task was not told within %v that the master closed the queues", waitLimit)
	}

	// A worker that comes after the close is told at once.
	late := dialWorker(t, s.URL(), WorkerOptions{})
	_, _, err := late.GetTask(t.Context(), time.Hour)
	require.ErrorIs(t, err, taskq.ErrClosed)
	_, _, err = m.GetResult(t.Context(), time.Second)
	require.ErrorIs(t, err, taskq.ErrClosed)
}

func TestASecondResultIsDropped(t *testing.T) {
	s := startServer(t, ServerOptions{})
	var log logLines
	m := openMaster(t, s.URL(), MasterOptions{Logf: log.logf})
	w := dialWorker(t, s.URL(), WorkerOptions{})
	js := rawConn(t, s.URL())
	putTasks(t, m, 2)

	t1 := takeTask(t, w)
	require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: t1.ID, Text: squared(t1)}))
	require.Equal(t, map[uint64]string{t1.ID: squared(t1)}, collect(t, m, 1))
	_, ok, err := m.GetResult(t.Context(), 0) // records task 1 as taken
	require.NoError(t, err)
	require.False(t, ok)

	// Within the duplicate window the server drops a second result itself.
	ack := publishResult(t, js, t1.ID, "again, same message ID", true)
	assert.True(t, ack.Duplicate, "the server stored a second result with the same task ID")
	// Past it (here: without the message ID) the master drops it.
	publishResult(t, js, t1.ID, "again, no message ID", false)

	t2 := takeTask(t, w)
	require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: t2.ID, Text: squared(t2)}))
	require.Equal(t, map[uint64]string{t2.ID: squared(t2)}, collect(t, m, 1))
	assert.Equal(t, 1, m.Stats().Duplicates)
	assert.Contains(t, log.String(), "dropped a second result for task 1")
}

func TestAResultForATaskNeverPutIsRefused(t *testing.T) {
	s := startServer(t, ServerOptions{})
	var log logLines
	m := openMaster(t, s.URL(), MasterOptions{Logf: log.logf})
	w := dialWorker(t, s.URL(), WorkerOptions{})
	js := rawConn(t, s.URL())
	putTasks(t, m, 1)

	publishResult(t, js, 999, "a result for a task nobody put", true)
	task := takeTask(t, w)
	require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: squared(task)}))
	require.Equal(t, map[uint64]string{task.ID: squared(task)}, collect(t, m, 1))
	assert.Equal(t, 1, m.Stats().Unknown)
	assert.Contains(t, log.String(), "refused a result for unknown task 999")
}

func TestSlowTasksSpreadOverTheWorkers(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{})
	const n = 12
	done := [2]int{}
	var wg sync.WaitGroup
	for i := range done {
		w := dialWorker(t, s.URL(), WorkerOptions{})
		wg.Go(func() {
			assert.NoError(t, work(t.Context(), w, time.Hour, func(taskq.Task) bool {
				// Each task takes 20 ms, as the tutorial's take a second: the
				// work itself, not a wait for something.
				<-time.After(20 * time.Millisecond)
				done[i]++
				return true
			}))
		})
	}
	putTasks(t, m, n)
	requireAll(t, collect(t, m, n), n)
	require.NoError(t, m.Close())
	require.True(t, waitGroup(t, &wg, "the workers"))
	// A worker that fetched ahead what it cannot do soon would leave the
	// other idle; each fetches about 5 ms of work, here one task.
	for i, k := range done {
		assert.GreaterOrEqual(t, k, n/4, "worker %d did %d of %d tasks (%v)", i, k, n, done)
	}
}

func TestAWorkerAnswersOnlyTheTasksItHolds(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{})
	w := dialWorker(t, s.URL(), WorkerOptions{})
	putTasks(t, m, 1)

	err := w.PutResult(t.Context(), taskq.Result{TaskID: 1, Text: "not got yet"})
	var notLeased *taskq.NotLeasedError
	require.ErrorAs(t, err, &notLeased)
	assert.Equal(t, []uint64{1}, notLeased.IDs)
}

func TestAWrongKeyIsRefusedInOneLine(t *testing.T) {
	s := startServer(t, ServerOptions{})
	openMaster(t, s.URL(), MasterOptions{})

	_, err := DialWorker(t.Context(), s.URL(), []byte("not the key"), WorkerOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused our key")
	assert.NotContains(t, err.Error(), "\n")
	_, err = OpenMaster(t.Context(), s.URL(), []byte("not the key either"), MasterOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused our key")
}

func TestConnectionOptionsOfYourOwnReplaceTheKey(t *testing.T) {
	// A server that knows users its own way: here the key's NKey, given as
	// a connection option in place of the key.
	s := startServer(t, ServerOptions{})
	openMaster(t, s.URL(), MasterOptions{})
	kp, err := userKey(testKey)
	require.NoError(t, err)
	pub, err := kp.PublicKey()
	require.NoError(t, err)
	w, err := DialWorker(t.Context(), s.URL(), nil, WorkerOptions{NATS: []nats.Option{nats.Nkey(pub, kp.Sign)}})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = DialWorker(t.Context(), s.URL(), nil, WorkerOptions{})
	require.ErrorContains(t, err, "no key")
}

func TestALiveWorkerKeepsItsTaskPastTheAckWait(t *testing.T) {
	const ackWait = 200 * time.Millisecond
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: ackWait})
	slow := dialWorker(t, s.URL(), WorkerOptions{})
	other := dialWorker(t, s.URL(), WorkerOptions{})
	putTasks(t, m, 1)

	task := takeTask(t, slow)
	// The slow worker holds its task for five ack waits, the time the other
	// waits for one: without the slow one's signs of life the server would
	// have redelivered it four times.
	stolen, ok, err := other.GetTask(t.Context(), 5*ackWait)
	require.NoError(t, err)
	require.False(t, ok, "task %d was redelivered while a live worker held it", stolen.ID)
	require.NoError(t, slow.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: squared(task)}))
	requireAll(t, collect(t, m, 1), 1)
}

func TestATaskIsAcknowledgedOnlyOnceItsResultIsStored(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: time.Hour})
	w := dialWorker(t, s.URL(), WorkerOptions{})
	putTasks(t, m, 1)
	task := takeTask(t, w)

	// With the result stream gone, the server cannot store the result: the
	// worker says so, and the task is not lost but given back.
	require.NoError(t, rawConn(t, s.URL()).DeleteStream(t.Context(), m.n.results))
	require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: squared(task)}))
	_, _, err := w.GetTask(t.Context(), time.Second)
	require.ErrorContains(t, err, "the server refused the result of task 1")

	other := dialWorker(t, s.URL(), WorkerOptions{})
	again, ok, err := other.GetTask(t.Context(), waitLimit)
	require.NoError(t, err)
	require.True(t, ok, "a task whose result was never stored did not come back within %v", waitLimit)
	assert.Equal(t, task, again)
}

func TestAClosedWorkerGivesItsTasksBackAtOnce(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: time.Hour})
	first := dialWorker(t, s.URL(), WorkerOptions{})
	putTasks(t, m, 1)
	task := takeTask(t, first)
	require.NoError(t, first.Close())

	// With an hour's ack wait, only the worker's giving it back makes the
	// task come again within the wait.
	second := dialWorker(t, s.URL(), WorkerOptions{})
	again, ok, err := second.GetTask(t.Context(), waitLimit)
	require.NoError(t, err)
	require.True(t, ok, "the task a closed worker held did not come back within %v", waitLimit)
	assert.Equal(t, task, again)
}

func TestAnExternalServerCarriesRunsSideBySide(t *testing.T) {
	// A server started on its own stands in for a nats-server run by hand;
	// two runs with different names share it.
	external := startServer(t, ServerOptions{})
	for _, name := range []string{"left", "right"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := openMaster(t, external.URL(), MasterOptions{Name: name})
			const n = 50
			putTasks(t, m, n)
			wait := runWorkers(t, external.URL(), 1, 300*time.Millisecond, WorkerOptions{Name: name})
			requireAll(t, collect(t, m, n), n)
			wait()
		})
	}
}

func TestAWorkerWhoseServerIsGoneGivesUp(t *testing.T) {
	s, err := StartServer(ServerOptions{Key: testKey})
	require.NoError(t, err)
	openMaster(t, s.URL(), MasterOptions{})
	w := dialWorker(t, s.URL(), WorkerOptions{})
	w.lostLimit = 300 * time.Millisecond

	got := make(chan error, 1)
	go func() {
		_, _, err := w.GetTask(t.Context(), time.Hour)
		got <- err
	}()
	require.NoError(t, s.Close()) // a crash of the master it lived in, seen from the worker
	select {
	case err := <-got:
		require.ErrorContains(t, err, "lost the connection to the NATS server")
		require.NotErrorIs(t, err, taskq.ErrClosed)
	case <-time.After(waitLimit):
		t.Fatalf("a worker whose server is gone still waited after %v", waitLimit)
	}
}

func TestAWorkerWithoutAMasterSaysSo(t *testing.T) {
	s := startServer(t, ServerOptions{})
	_, err := DialWorker(t.Context(), s.URL(), testKey, WorkerOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is the master running")
}

func TestBadOptionsAreRefused(t *testing.T) {
	s := startServer(t, ServerOptions{})
	for _, o := range []MasterOptions{
		{AckWait: time.Millisecond},
		{Batch: MaxBatch + 1},
		{DuplicateWindow: time.Millisecond},
		{MaxAckPending: -1},
		{Name: "has.dot"},
	} {
		_, err := OpenMaster(t.Context(), s.URL(), testKey, o)
		assert.Error(t, err, "%+v", o)
	}
	_, err := DialWorker(t.Context(), s.URL(), testKey, WorkerOptions{MaxBatch: -1})
	assert.Error(t, err)
}

func TestTheServerListensOnLoopbackAndCleansUp(t *testing.T) {
	s, err := StartServer(ServerOptions{Key: testKey})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(s.URL(), "nats://127.0.0.1:"), s.URL())
	dir := s.StoreDir()
	require.DirExists(t, dir)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.NoDirExists(t, dir, "the temporary store outlived the server")

	_, err = StartServer(ServerOptions{})
	assert.Error(t, err, "a server without a key")

	taken := startServer(t, ServerOptions{})
	_, err = StartServer(ServerOptions{Key: testKey, Addr: taken.Addr().String()})
	require.Error(t, err, "a second server on a port in use")
	assert.Contains(t, err.Error(), "address already in use")
}

// takeTask gets one task, failing if none comes.
func takeTask(t *testing.T, w *Worker) taskq.Task {
	t.Helper()
	task, ok, err := w.GetTask(t.Context(), waitLimit)
	require.NoError(t, err)
	require.True(t, ok, "no task within %v", waitLimit)
	return task
}

func TestAWorkerWhoseBrokerWentDownAfterTheCloseEndsCleanly(t *testing.T) {
	// The master closes the queues and its broker goes down; the worker,
	// still busy with a task then, hands in its result afterwards. No
	// server will answer that publish: the master has every result it
	// needed, so the worker hears that the queues are closed, soon, rather
	// than waiting for the publish to time out and calling it a failure.
	s, err := StartServer(ServerOptions{Key: testKey})
	require.NoError(t, err)
	m, err := OpenMaster(t.Context(), s.URL(), testKey, MasterOptions{})
	require.NoError(t, err)
	putTasks(t, m, 1)
	w := dialWorker(t, s.URL(), WorkerOptions{})
	task := takeTask(t, w)
	require.NoError(t, m.Close())
	select {
	case <-w.masterClosed.Done():
	case <-time.After(waitLimit):
		t.Fatalf("the worker did not hear the close within %v", waitLimit)
	}
	require.NoError(t, s.Close())
	require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: squared(task)}))
	start := time.Now()
	_, _, err = w.GetTask(t.Context(), time.Second)
	require.ErrorIs(t, err, taskq.ErrClosed)
	assert.Less(t, time.Since(start), 10*time.Second, "the worker waited for an answer that could not come")
}
