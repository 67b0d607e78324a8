//go:build unix

package jetstreamq

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/taskq"
	"multitask/internal/child"
)

// Child roles: a worker that takes one task and holds it until told to
// answer, and a master with its embedded server that takes some results and
// then waits to be killed.
func init() {
	child.Register("jsq-holding-worker", holdingWorker)
	child.Register("jsq-master", stoppingMaster)
}

// holdingWorker (args: url) takes a task, says "holding <id>", and answers
// it when a line comes on stdin; then it says what the server made of the
// answer: "stored" or "duplicate".
func holdingWorker(args []string) error {
	ctx := context.Background()
	w, err := DialWorker(ctx, args[0], testKey, WorkerOptions{MaxBatch: 1})
	if err != nil {
		return err
	}
	defer w.Close()
	t, ok, err := w.GetTask(ctx, waitLimit)
	if err != nil || !ok {
		return fmt.Errorf("no task: %v", err)
	}
	// Whatever the worker has sent reaches the server before it says so: a
	// task acknowledged too early would be seen gone.
	if err := w.nc.Flush(); err != nil {
		return err
	}
	fmt.Printf("holding %d\n", t.ID)
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("told nothing: %w", err)
	}
	if err := w.PutResult(ctx, taskq.Result{TaskID: t.ID, Text: "late " + squared(t)}); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	switch s := w.Stats(); {
	case s.Results == 1:
		fmt.Println("stored")
	case s.Duplicates == 1:
		fmt.Println("duplicate")
	default:
		return fmt.Errorf("the server's answer is missing: %+v", s)
	}
	return nil
}

// stoppingMaster (args: store dir, tasks, results to take, ack wait)
// starts a server on the store, says "url <url>", puts the tasks, takes
// that many results, says "committed <ids>" after each commit, and then
// waits for its end: it is killed.
func stoppingMaster(args []string) error {
	ctx := context.Background()
	n, _ := strconv.Atoi(args[1])
	take, _ := strconv.Atoi(args[2])
	ackWait, _ := time.ParseDuration(args[3])
	s, err := StartServer(ServerOptions{StoreDir: args[0], Key: testKey})
	if err != nil {
		return err
	}
	defer s.Close()
	m, err := OpenMaster(ctx, s.URL(), testKey, MasterOptions{AckWait: ackWait})
	if err != nil {
		return err
	}
	m.onCommit = func(ids []uint64) { fmt.Printf("committed %s\n", encodeIDs(ids)) }
	fmt.Printf("url %s\n", s.URL())
	for i := 1; i <= n; i++ {
		if err := m.PutTask(ctx, taskq.Task{ID: uint64(i), N: i}); err != nil {
			return err
		}
	}
	for range take {
		if _, ok, err := m.GetResult(ctx, waitLimit); err != nil || !ok {
			return fmt.Errorf("no result: %v", err)
		}
	}
	if err := m.commit(ctx); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // until the test kills it
	return errors.New("not killed")
}

// process is a child role running, its output lines read as they come.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{} // closed when the process has exited
	err    error         // what cmd.Wait returned, once done
	stderr *syncBuffer
}

func startProcess(t *testing.T, role string, args ...string) *process {
	t.Helper()
	cmd, err := child.Command(t.Context(), role, args...)
	require.NoError(t, err)
	p := &process{cmd: cmd, lines: make(chan string, 100), done: make(chan struct{}), stderr: &syncBuffer{}}
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(waitLimit):
			t.Errorf("a killed %s did not exit within %v", role, waitLimit)
		}
	})
	return p
}

// line waits for the next line of output that starts with prefix and
// returns the rest of it.
func (p *process) line(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case l, ok := <-p.lines:
			require.True(t, ok, "the child ended without a line %q; stderr:\n%s", prefix, p.stderr)
			if rest, found := strings.CutPrefix(l, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-deadline:
			t.Fatalf("no line %q within %v; stderr:\n%s", prefix, waitLimit, p.stderr)
		}
	}
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Kill())
	for range p.lines {
	}
	select {
	case <-p.done:
		require.ErrorContains(t, p.err, "signal: killed")
	case <-time.After(waitLimit):
		t.Fatalf("a killed child did not exit within %v", waitLimit)
	}
}

// syncBuffer is a child's stderr, written by os/exec's goroutine and read
// by the test's failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(b)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shortAckWait makes redelivery quick in these tests.
const shortAckWait = 300 * time.Millisecond

func TestAWorkerProcessKilledMidTaskLosesNothing(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: shortAckWait})
	const n = 5
	putTasks(t, m, n)
	victim := startProcess(t, "jsq-holding-worker", s.URL())
	held, err := strconv.ParseUint(victim.line(t, "holding "), 10, 64)
	require.NoError(t, err)
	victim.kill(t)

	// The task it held comes again after the ack wait, to a live worker.
	wait := runWorkers(t, s.URL(), 1, time.Hour, WorkerOptions{})
	results := collect(t, m, n)
	requireAll(t, results, n)
	assert.Contains(t, results, held)
	require.NoError(t, m.Close())
	wait()
	assert.Equal(t, taskq.Stats{Tasks: n, Results: n}, m.Stats())
}

func TestAStoppedWorkersTaskGoesToAnotherAndItsLateResultIsDropped(t *testing.T) {
	s := startServer(t, ServerOptions{})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: shortAckWait})
	putTasks(t, m, 1)
	stopped := startProcess(t, "jsq-holding-worker", s.URL())
	require.Equal(t, "1", stopped.line(t, "holding "))
	require.NoError(t, stopped.cmd.Process.Signal(syscall.SIGSTOP))

	// A stopped worker sends no sign of life: its task goes to another
	// after the ack wait.
	other := dialWorker(t, s.URL(), WorkerOptions{})
	task := takeTask(t, other)
	require.Equal(t, uint64(1), task.ID)
	require.NoError(t, other.PutResult(t.Context(), taskq.Result{TaskID: 1, Text: squared(task)}))
	require.Equal(t, map[uint64]string{1: squared(task)}, collect(t, m, 1))

	// Woken, it answers: the server already has the answer and drops it.
	require.NoError(t, stopped.cmd.Process.Signal(syscall.SIGCONT))
	_, err := io.WriteString(stopped.stdin, "answer\n")
	require.NoError(t, err)
	assert.Equal(t, "duplicate", stopped.line(t, ""))
	r, ok, err := m.GetResult(t.Context(), 0)
	require.NoError(t, err)
	assert.False(t, ok, "the late result reached the master: %+v", r)
	assert.Equal(t, 1, m.Stats().Results)
}

func TestAMasterKilledAndRestartedOnItsStoreFinishesTheRun(t *testing.T) {
	const (
		n       = 30
		phase1  = 10 // results the first master takes
		phase2  = 5  // results stored and not taken when it is killed
		ackWait = 500 * time.Millisecond
	)
	dir := t.TempDir()
	first := startProcess(t, "jsq-master", dir, fmt.Sprint(n), fmt.Sprint(phase1), ackWait.String())
	url := first.line(t, "url ")

	// A worker answers phase1 tasks, which the first master takes and
	// records; then phase2 more, stored, which it does not take; then one
	// whose result is stored but whose task is not acknowledged, as when a
	// worker dies between the two; and it holds one more task.
	w, err := DialWorker(t.Context(), url, testKey, WorkerOptions{MaxBatch: 1})
	require.NoError(t, err)
	answer := func() uint64 {
		task := takeTask(t, w)
		require.NoError(t, w.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: squared(task)}))
		return task.ID
	}
	for range phase1 {
		answer()
	}
	require.NoError(t, w.settle(t.Context()))
	committed := map[uint64]bool{}
	for len(committed) < phase1 {
		ids, err := decodeIDs([]byte(first.line(t, "committed ")))
		require.NoError(t, err)
		for _, id := range ids {
			committed[id] = true
		}
	}
	waiting := map[uint64]bool{}
	for range phase2 {
		waiting[answer()] = true
	}
	require.NoError(t, w.settle(t.Context()))
	unacked := takeTask(t, w)
	publishResult(t, rawConn(t, url), unacked.ID, squared(unacked), true)
	waiting[unacked.ID] = true
	takeTask(t, w) // held at the kill
	first.kill(t)
	_ = w.Close() // its server is gone

	// A new master on the same store finds the run.
	s := startServer(t, ServerOptions{StoreDir: dir})
	m := openMaster(t, s.URL(), MasterOptions{AckWait: ackWait})
	run := m.Resumed()
	require.True(t, run.InProgress())
	assert.Len(t, run.Put, n)
	assert.Equal(t, sortedIDs(committed), run.Taken)
	assert.Equal(t, sortedIDs(waiting), run.Waiting)
	assert.Len(t, run.Open(), n-phase1)
	inTasks, err := idsInStream(t.Context(), m.js, m.n.tasks, m.n.taskPrefix)
	require.NoError(t, err)
	assert.NotContains(t, inTasks, unacked.ID, "a task with a stored result is still in the task queue")
	assert.Len(t, inTasks, n-phase1-len(waiting))

	// Workers compute only what has no result yet; the master takes each
	// remaining result once.
	var mu sync.Mutex
	computed := map[uint64]int{}
	var wg sync.WaitGroup
	for range 2 {
		w := dialWorker(t, s.URL(), WorkerOptions{})
		wg.Go(func() {
			assert.NoError(t, work(t.Context(), w, time.Hour, func(task taskq.Task) bool {
				mu.Lock()
				defer mu.Unlock()
				computed[task.ID]++
				return true
			}))
		})
	}
	results := collect(t, m, n-phase1)
	for id := range results {
		assert.False(t, committed[id], "task %d was taken before the restart and again after", id)
	}
	require.NoError(t, m.Close())
	if !waitGroup(t, &wg, "the workers") {
		return
	}
	for id, times := range computed {
		assert.False(t, committed[id] || waiting[id], "task %d had its result stored before the restart and was computed again", id)
		assert.Equal(t, 1, times, "task %d computed %d times after the restart", id, times)
	}
	assert.Len(t, computed, n-phase1-len(waiting))

	// The run is finished: the next master on the store starts a new one.
	again := openMaster(t, s.URL(), MasterOptions{})
	assert.False(t, again.Resumed().InProgress(), "%+v", again.Resumed())
}

func sortedIDs(set map[uint64]bool) []uint64 {
	ids := make([]uint64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
