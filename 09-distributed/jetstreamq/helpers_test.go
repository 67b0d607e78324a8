package jetstreamq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/09-distributed/taskq"
	"multitask/internal/childtest"
)

func TestMain(m *testing.M) {
	childtest.Serve()
	goleak.VerifyTestMain(m)
}

var testKey = []byte("jetstreamq test key: 32 bytes or more of it")

// waitLimit bounds every wait of a test for something that must happen.
const waitLimit = 15 * time.Second

func startServer(t testing.TB, opts ServerOptions) *Server {
	t.Helper()
	if opts.Key == nil {
		opts.Key = testKey
	}
	s, err := StartServer(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func openMaster(t testing.TB, url string, opts MasterOptions) *Master {
	t.Helper()
	m, err := OpenMaster(t.Context(), url, testKey, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func dialWorker(t testing.TB, url string, opts WorkerOptions) *Worker {
	t.Helper()
	w, err := DialWorker(t.Context(), url, testKey, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// putTasks puts tasks 1..n, task i squaring i.
func putTasks(t testing.TB, m *Master, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		require.NoError(t, m.PutTask(t.Context(), taskq.Task{ID: uint64(i), N: i}))
	}
}

// squared is the text a test worker gives for task t.
func squared(t taskq.Task) string { return fmt.Sprintf("%d * %d = %d", t.N, t.N, t.N*t.N) }

// collect takes want results and fails on a duplicate, or when one does not
// come within waitLimit.
func collect(t testing.TB, m *Master, want int) map[uint64]string {
	t.Helper()
	got := make(map[uint64]string, want)
	for len(got) < want {
		r, ok, err := m.GetResult(t.Context(), waitLimit)
		require.NoError(t, err)
		require.True(t, ok, "no result within %v; have %d of %d", waitLimit, len(got), want)
		_, dup := got[r.TaskID]
		require.False(t, dup, "a second result for task %d", r.TaskID)
		got[r.TaskID] = r.Text
	}
	return got
}

// work is a worker's loop: take a task, answer it, until the queue stays
// empty for idle or is closed. compute may hold a task back; it returns
// false to stop the worker without answering.
func work(ctx context.Context, w taskq.Worker, idle time.Duration, compute func(taskq.Task) bool) error {
	for {
		t, ok, err := w.GetTask(ctx, idle)
		if errors.Is(err, taskq.ErrClosed) || err == nil && !ok {
			return nil
		}
		if err != nil {
			return err
		}
		if compute != nil && !compute(t) {
			return nil
		}
		if err := w.PutResult(ctx, taskq.Result{TaskID: t.ID, Text: squared(t)}); err != nil {
			return err
		}
	}
}

// runWorkers runs n workers until the queue stays empty for idle; the
// returned function waits for them and reports their errors.
func runWorkers(t testing.TB, url string, n int, idle time.Duration, opts WorkerOptions) (wait func()) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		w := dialWorker(t, url, opts)
		wg.Go(func() {
			err := work(t.Context(), w, idle, nil)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			errs <- err
		})
	}
	return func() {
		t.Helper()
		if !waitGroup(t, &wg, "the workers") {
			return
		}
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
}

// waitGroup waits for wg, failing the test if that takes more than
// waitLimit. Goroutines still running then end with the test's context.
func waitGroup(t testing.TB, wg *sync.WaitGroup, what string) bool {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(waitLimit):
		t.Errorf("%s did not end within %v", what, waitLimit)
		return false
	}
}

// requireAll checks that results holds the right answer for tasks 1..n.
func requireAll(t testing.TB, results map[uint64]string, n int) {
	t.Helper()
	require.Len(t, results, n)
	for i := 1; i <= n; i++ {
		require.Equal(t, squared(taskq.Task{ID: uint64(i), N: i}), results[uint64(i)], "task %d", i)
	}
}

// rawConn is a plain JetStream client with the key, to do what neither a
// Master nor a Worker would: a forged or repeated result.
func rawConn(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := connect(url, testKey, "test", t.Logf, nil)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}

// publishResult stores a result for task id as a worker would, with or
// without the task ID as its message ID.
func publishResult(t testing.TB, js jetstream.JetStream, id uint64, text string, withID bool) *jetstream.PubAck {
	t.Helper()
	n, err := namesFor("")
	require.NoError(t, err)
	msg := &nats.Msg{Subject: n.resultSubject(id), Data: []byte(text), Header: nats.Header{}}
	if withID {
		msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprint(id))
	}
	ack, err := js.PublishMsg(t.Context(), msg)
	require.NoError(t, err)
	return ack
}

// logLines collects log lines, safe for the library's goroutines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
