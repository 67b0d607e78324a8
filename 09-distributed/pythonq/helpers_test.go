package pythonq

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/09-distributed/pythonq/wire"
	"multitask/09-distributed/taskq"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	testKey  = []byte("pythonq test key")
	wrongKey = []byte("not the key")
)

// patience bounds every wait of these tests for something that should
// happen at once over loopback: long enough for a loaded machine, short
// enough to fail with a message well before go test's own timeout.
const patience = 10 * time.Second

// receive returns the next value from ch, or fails the test saying what
// did not happen within patience.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("after %v: %s", patience, what)
		var zero T
		return zero
	}
}

// bounded is a context that ends at patience, so that a call whose own
// deadline is broken fails the test instead of hanging it.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

// logged collects the log lines of a server and its hub, and lets a test
// wait for one.
type logged struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed at the next line, if someone waits
}

func (l *logged) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

func (l *logged) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// count is how many lines contain every one of parts.
func (l *logged) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countLocked(parts)
}

func (l *logged) countLocked(parts []string) int {
	n := 0
	for _, line := range l.lines {
		if containsAll(line, parts) {
			n++
		}
	}
	return n
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// waitFor returns once a line containing every one of parts is logged, or
// fails the test.
func (l *logged) waitFor(t *testing.T, parts ...string) {
	t.Helper()
	deadline := time.NewTimer(patience)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		if l.countLocked(parts) > 0 {
			l.mu.Unlock()
			return
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("after %v no log line contains %q; the log:\n%s", patience, parts, l.text())
		}
	}
}

// master is a hub served on a free loopback port.
type master struct {
	hub *taskq.Hub
	srv *Server
	log *logged
	n   map[uint64]int // the number of each task put, by ID
}

func startMaster(t *testing.T, opts Options, hubOpts ...taskq.Option) *master {
	t.Helper()
	m := &master{log: &logged{}, n: make(map[uint64]int)}
	m.hub = taskq.NewHub(m.log.logf, hubOpts...)
	opts.Logf = m.log.logf
	var err error
	m.srv, err = Listen("127.0.0.1:0", testKey, m.hub, opts)
	require.NoError(t, err)
	t.Cleanup(func() { m.close(t) })
	return m
}

// close closes the hub, then the server, and fails the test if the server
// takes longer than patience. After it returns no server goroutine is
// left, so every log line is in.
func (m *master) close(t *testing.T) {
	t.Helper()
	m.hub.Close()
	closeServer(t, m.srv)
}

func closeServer(t *testing.T, s *Server) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	assert.NoError(t, receive(t, done, "Server.Close did not return"))
}

func (m *master) addr() string { return m.srv.Addr().String() }

// put puts a task for each number, with IDs counting on from the last.
func (m *master) put(t *testing.T, numbers ...int) {
	t.Helper()
	for _, n := range numbers {
		id := uint64(len(m.n) + 1)
		require.NoError(t, m.hub.PutTask(t.Context(), taskq.Task{ID: id, N: n}))
		m.n[id] = n
	}
}

// result returns the next result the hub keeps, or fails the test.
func (m *master) result(t *testing.T) taskq.Result {
	t.Helper()
	r, ok, err := m.hub.GetResult(bounded(t), patience)
	require.NoError(t, err)
	require.True(t, ok, "no result within %v", patience)
	return r
}

// noMoreResults checks that the hub holds no further result.
func (m *master) noMoreResults(t *testing.T) {
	t.Helper()
	r, ok, err := m.hub.GetResult(t.Context(), 0)
	require.NoError(t, err)
	assert.False(t, ok, "an extra result: %+v", r)
}

// dial connects a Go worker of this transport to m; the test's cleanup
// closes it.
func dial(t *testing.T, m *master, opts Options) *Worker {
	t.Helper()
	w, err := Dial(bounded(t), m.addr(), testKey, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// take gets a task, or fails the test.
func take(t *testing.T, w *Worker) taskq.Task {
	t.Helper()
	task, ok, err := w.GetTask(bounded(t), patience)
	require.NoError(t, err)
	require.True(t, ok, "no task within %v", patience)
	return task
}

// square is the result text task_worker.py makes for n.
func square(n int) string { return fmt.Sprintf("%d * %d = %d", n, n, n*n) }

// rawConn is a loopback connection to addr whose reads and writes give up
// at patience.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, patience)
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(patience)))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// authedConn is a raw connection to m that has passed the handshake, as a
// Python client's does before its one request.
func authedConn(t *testing.T, m *master) net.Conn {
	t.Helper()
	c := rawConn(t, m.addr())
	require.NoError(t, wire.ClientHandshake(c, testKey, wire.Legacy))
	return c
}

// send writes req on c.
func send(t *testing.T, c net.Conn, req wire.Request) {
	t.Helper()
	p, err := wire.EncodeRequest(req)
	require.NoError(t, err)
	require.NoError(t, wire.WriteFrame(c, p))
}

// reply reads the reply to the last request on c.
func reply(t *testing.T, c net.Conn) wire.Reply {
	t.Helper()
	p, err := wire.ReadFrame(c, DefaultMaxFrame)
	require.NoError(t, err)
	r, err := wire.DecodeReply(p)
	require.NoError(t, err)
	return r
}

// control sends one manager request on a connection of its own, as a
// Python client does, and returns the reply.
func control(t *testing.T, m *master, method string, args ...any) wire.Reply {
	t.Helper()
	c := authedConn(t, m)
	send(t, c, wire.Request{Method: method, Args: wire.Tuple(args)})
	r := reply(t, c)
	requireClosed(t, c)
	return r
}

// proxyConn opens the connection of a queue proxy, as a Python proxy does
// at its first call.
func proxyConn(t *testing.T, m *master) net.Conn {
	t.Helper()
	c := authedConn(t, m)
	send(t, c, wire.Request{Method: "accept_connection", Args: wire.Tuple{"MainProcess"}})
	require.Equal(t, wire.Reply{Kind: wire.KindReturn}, reply(t, c))
	return c
}

// call calls a method of the queue with the object ID id on a proxy's
// connection, and returns the reply.
func call(t *testing.T, c net.Conn, id, method string, args wire.Tuple, kwds map[string]any) wire.Reply {
	t.Helper()
	send(t, c, wire.Request{Ident: id, Method: method, Args: args, Kwds: kwds})
	return reply(t, c)
}

// requireClosed checks that the server closes c, with nothing more said.
func requireClosed(t *testing.T, c net.Conn) {
	t.Helper()
	p, err := wire.ReadFrame(c, DefaultMaxFrame)
	require.ErrorIs(t, err, io.EOF, "the server did not close the connection; it sent %q", p)
}

// raised is the exception a reply raises in its caller, or fails the test.
func raised(t *testing.T, r wire.Reply) *wire.PyException {
	t.Helper()
	require.Equal(t, wire.KindError, r.Kind, "the reply %+v raises nothing", r)
	return r.Value.(*wire.PyException)
}
