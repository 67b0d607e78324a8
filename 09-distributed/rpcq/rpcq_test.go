package rpcq

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testKey = []byte("rpcq test key")

// patience bounds every wait of these tests for something that should happen
// at once over loopback: long enough for a loaded machine, short enough to
// fail with a message well before go test's own timeout.
const patience = 10 * time.Second

// receive returns the next value from ch, or fails the test saying what did
// not happen within patience.
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

// waitGroup waits for wg, or fails the test saying what did not happen
// within patience.
func waitGroup(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	receive(t, done, what)
}

// dialCtx bounds a Dial, so that one whose handshake deadline is broken
// fails the test instead of hanging it.
func dialCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	t.Cleanup(cancel)
	return ctx
}

// logged collects a server's and a hub's log lines.
type logged struct {
	mu    sync.Mutex
	lines []string
}

func (l *logged) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logged) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// master is a hub served on a free loopback port.
type master struct {
	hub *taskq.Hub
	srv *Server
	log *logged
}

func startMaster(t *testing.T, opts Options) *master {
	t.Helper()
	return startMasterWithHub(t, opts)
}

// startMasterWithHub is startMaster with options for the hub.
func startMasterWithHub(t *testing.T, opts Options, hubOpts ...taskq.Option) *master {
	t.Helper()
	m := &master{log: &logged{}}
	m.hub = taskq.NewHub(m.log.logf, hubOpts...)
	opts.Logf = m.log.logf
	var err error
	m.srv, err = Listen("127.0.0.1:0", testKey, m.hub, opts)
	require.NoError(t, err)
	t.Cleanup(func() { m.close(t) })
	return m
}

// close shuts the master down. After it returns no server goroutine is left,
// so every log line is in.
func (m *master) close(t *testing.T) {
	m.hub.Close()
	assert.NoError(t, m.srv.Close())
}

func (m *master) addr() string { return m.srv.Addr().String() }

func (m *master) put(t *testing.T, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		require.NoError(t, m.hub.PutTask(t.Context(), taskq.Task{ID: uint64(i), N: i}))
	}
}

func dial(t *testing.T, m *master) *Client {
	t.Helper()
	return dialWith(t, m, Options{})
}

func dialWith(t *testing.T, m *master, opts Options) *Client {
	t.Helper()
	c, err := Dial(dialCtx(t), m.addr(), testKey, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// take gets a task that the test knows is there.
func take(t *testing.T, c *Client) taskq.Task {
	t.Helper()
	task, ok, err := c.GetTask(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok, "no task within %v", patience)
	return task
}

// serve is a worker: it answers tasks until the queues close.
func serve(c *Client) error {
	for {
		task, ok, err := c.GetTask(context.Background(), time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := c.PutResult(context.Background(), taskq.Result{TaskID: task.ID, Text: fmt.Sprint(task.N * task.N)}); err != nil {
			return err
		}
	}
}

func TestWorkersAnswerEveryTaskOnce(t *testing.T) {
	m := startMaster(t, Options{})
	const n = 3000
	m.put(t, n)
	var wg sync.WaitGroup
	for range 3 {
		c := dial(t, m)
		wg.Go(func() { assert.ErrorIs(t, serve(c), taskq.ErrClosed) })
	}
	seen := make(map[uint64]bool)
	for len(seen) < n {
		r, ok, err := m.hub.GetResult(t.Context(), 10*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "no result for 10s with %d of %d in", len(seen), n)
		require.False(t, seen[r.TaskID], "task %d answered twice", r.TaskID)
		seen[r.TaskID] = true
		assert.Equal(t, fmt.Sprint(r.TaskID*r.TaskID), r.Text)
	}
	m.close(t)
	waitGroup(t, &wg, "the workers did not end after the master closed")
	st := m.hub.Stats()
	assert.Equal(t, taskq.Stats{Tasks: n, Results: n, Sessions: 3}, st)
}

func TestWrongKeyIsRefusedAndOthersAreServed(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 1)
	_, err := Dial(dialCtx(t), m.addr(), []byte("wrong"), Options{})
	require.ErrorIs(t, err, wire.ErrAuth)
	assert.EqualError(t, err, "authentication failed: the master refused our key")

	c := dial(t, m)
	assert.Equal(t, 1, take(t, c).N)
	require.NoError(t, c.Close())
	m.close(t)
	assert.Regexp(t, `refused 127\.0\.0\.1:\d+: authentication failed: wrong key`, m.log.text())
}

// rawConn connects without a handshake; it fails the test if the server
// keeps it open for more than 10 seconds.
func rawConn(t *testing.T, m *master) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", m.addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c
}

// authedConn connects and passes the handshake, then speaks frames itself.
func authedConn(t *testing.T, m *master) (net.Conn, wire.Keys) {
	t.Helper()
	c := rawConn(t, m)
	keys, err := wire.Client(c, testKey)
	require.NoError(t, err)
	return c, keys
}

// closedByServer reads until the server closes c, and returns what it sent.
func closedByServer(t *testing.T, c net.Conn) []byte {
	t.Helper()
	got, err := io.ReadAll(c)
	require.NoError(t, err, "the server should have closed the connection")
	return got
}

func TestGarbageIsRefused(t *testing.T) {
	m := startMaster(t, Options{})
	c := rawConn(t, m)
	// Exactly as long as an answer, so that the server reads all of it and
	// closes cleanly instead of resetting the connection.
	_, err := c.Write(bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), 8)[:len(wire.Magic)+64])
	require.NoError(t, err)
	got := closedByServer(t, c)
	assert.True(t, bytes.HasPrefix(got, []byte(wire.Greeting)), "only the greeting was sent: %q", got)
	assert.Len(t, got, len(wire.Greeting)+32)
	m.close(t)
	assert.Contains(t, m.log.text(), "authentication failed: the peer does not speak this protocol")
}

func TestSilentPeerIsCutOffAtTheHandshakeDeadline(t *testing.T) {
	m := startMaster(t, Options{HandshakeTimeout: 100 * time.Millisecond})
	m.put(t, 1)
	silent := rawConn(t, m)
	// While the silent peer holds its connection, a worker is served.
	c := dial(t, m)
	assert.Equal(t, uint64(1), take(t, c).ID)
	require.NoError(t, c.Close())
	closedByServer(t, silent)
	m.close(t)
	assert.Regexp(t, `refused 127\.0\.0\.1:\d+: no handshake within 100ms`, m.log.text())
}

func TestOversizedFrameDropsOnlyThatWorker(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 1)
	good := dial(t, m)
	task := take(t, good)

	bad, _ := authedConn(t, m)
	_, err := bad.Write(binary.BigEndian.AppendUint32(nil, 1<<31-1))
	require.NoError(t, err)
	closedByServer(t, bad)

	require.NoError(t, good.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: "1"}))
	require.NoError(t, good.Close(), "the good worker hands its result in")
	r, ok, err := m.hub.GetResult(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok, "the good worker's result did not arrive within %v", patience)
	assert.Equal(t, task.ID, r.TaskID)
	m.close(t)
	assert.Regexp(t, `dropped connection #2: bad frame: 2147483647 bytes announced, over the 1048576-byte limit`, m.log.text())
}

func TestForgedFrameDropsTheConnection(t *testing.T) {
	m := startMaster(t, Options{})
	c, _ := authedConn(t, m)
	// Frames tagged with anything but this connection's key fail.
	require.NoError(t, wire.NewWriter(c, []byte("guessed"), 1024).WriteFrame([]byte("hello")))
	closedByServer(t, c)
	m.close(t)
	assert.Contains(t, m.log.text(), "dropped connection #1: bad frame: its tag does not match")
}

func TestAuthenticatedNonsenseGetsAnErrorAndTheConnectionStays(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 1)
	c, keys := authedConn(t, m)
	w := wire.NewWriter(c, keys.Send, wire.DefaultMaxFrame)
	r := wire.NewReader(c, keys.Recv, wire.DefaultMaxFrame)

	// A well-formed request for a method that does not exist.
	var req bytes.Buffer
	enc := gobEncoder(&req)
	require.NoError(t, enc(&rpc.Request{ServiceMethod: "Queues.Shutdown", Seq: 1}))
	require.NoError(t, enc(&ExchangeArgs{}))
	require.NoError(t, w.WriteFrame(req.Bytes()))
	payload, err := r.ReadFrame()
	require.NoError(t, err)
	var resp rpc.Response
	require.NoError(t, decodeFrame(payload, &resp, nil))
	assert.Contains(t, resp.Error, "can't find method")
	require.NoError(t, c.Close())
	m.close(t)
}

func TestResultForUnknownTaskIsRefused(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 1)
	c := dial(t, m)
	require.NoError(t, c.PutResult(t.Context(), taskq.Result{TaskID: 999, Text: "made up"}))
	_, _, err := c.GetTask(t.Context(), patience)
	require.EqualError(t, err, "the master refused: result for unknown task 999")

	assert.Equal(t, uint64(1), take(t, c).ID, "the connection stays usable")
	require.NoError(t, c.Close())
	m.close(t)
	assert.Equal(t, 1, m.hub.Stats().Unknown)
}

func TestTasksOfAVanishedWorkerArePutBack(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 1)
	gone := dial(t, m)
	task := take(t, gone)
	// The worker's process dies: its connection closes, nothing is flushed.
	require.NoError(t, gone.codec.conn.Close())

	other := dial(t, m)
	again := take(t, other)
	assert.Equal(t, task, again, "the task comes back as soon as the master sees the connection end")
	require.NoError(t, other.PutResult(t.Context(), taskq.Result{TaskID: again.ID}))
	require.NoError(t, other.Close())
	m.close(t)
	assert.Equal(t, 1, m.hub.Stats().PutBack)
	assert.Contains(t, m.log.text(), "connection #1 closed without answering task 1 (n=1); put back in the queue")
}

func TestAVanishedWorkersWaitingRequestIsReleased(t *testing.T) {
	// A worker's request may wait at the master for up to maxWait for a
	// task. The rpc package lets a connection go only once its calls in
	// flight have returned, so when the worker vanishes during such a wait
	// the master must end the wait itself; until it does, the tasks leased
	// to the worker are out of everyone's reach.
	m := startMaster(t, Options{})
	m.put(t, 2)
	// One task per request, so that the worker holds exactly tasks 1 and 2.
	gone := dialWith(t, m, Options{MaxBatch: 1})
	answered, held := take(t, gone), take(t, gone)
	other := dial(t, m)

	// The worker hands in task 1 and waits for another; the master sees
	// the result, so the request is in flight.
	var reply ExchangeReply
	call := gone.rpc.Go(serviceName+".Exchange", ExchangeArgs{
		Results: []taskq.Result{{TaskID: answered.ID, Text: "1"}},
		Want:    1,
		Wait:    time.Hour,
	}, &reply, make(chan *rpc.Call, 1))
	r, ok, err := m.hub.GetResult(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok, "the waiting request did not reach the master within %v", patience)
	require.Equal(t, answered.ID, r.TaskID)

	// Its process dies: the connection closes under the waiting request.
	require.NoError(t, gone.codec.conn.Close())
	receive(t, call.Done, "the vanished worker's own call did not end when its connection closed")

	again, ok, err := other.GetTask(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok, "task %d did not come back within %v (maxWait is %v): "+
		"the vanished worker's waiting request was not released", held.ID, patience, maxWait)
	assert.Equal(t, held, again)
	require.NoError(t, other.PutResult(t.Context(), taskq.Result{TaskID: again.ID}))
	require.NoError(t, other.Close())
	m.close(t)
	assert.Equal(t, 1, m.hub.Stats().PutBack)
	assert.Contains(t, m.log.text(), "connection #1 closed without answering task 2 (n=2); put back in the queue")
}

func TestClosingTheMasterEndsAWaitingWorker(t *testing.T) {
	m := startMaster(t, Options{})
	c := dial(t, m)
	done := make(chan error, 1)
	go func() {
		_, _, err := c.GetTask(context.Background(), time.Hour)
		done <- err
	}()
	m.close(t)
	assert.ErrorIs(t, receive(t, done, "the waiting worker did not hear that the master closed"), taskq.ErrClosed)
	assert.NoError(t, c.Close())
}

// fakeMaster listens on a free loopback port and handles one connection
// with behave. The connection has a deadline, so that behave ends even when
// the worker wrongly stays connected.
func fakeMaster(t *testing.T, behave func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if assert.NoError(t, err) {
			_ = c.SetDeadline(time.Now().Add(patience))
			behave(c)
			c.Close()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		waitGroup(t, &wg, "the fake master did not finish with its connection")
	})
	return ln.Addr().String()
}

// dialFake dials a fake master and returns Dial's error. A Dial that wrongly
// succeeds is closed at once, so that the fake master is not kept waiting.
func dialFake(t *testing.T, addr string, opts Options) error {
	t.Helper()
	c, err := Dial(dialCtx(t), addr, testKey, opts)
	if err == nil {
		assert.NoError(t, c.Close())
	}
	return err
}

func TestWorkerRefusesAFakeMaster(t *testing.T) {
	// The fake master greets properly and welcomes anyone, but cannot prove
	// it knows the key.
	addr := fakeMaster(t, func(c net.Conn) {
		_, _ = c.Write(append([]byte(wire.Greeting), make([]byte, 32)...))
		_, _ = io.ReadFull(c, make([]byte, len(wire.Magic)+64))
		_, _ = c.Write(append([]byte{'W'}, make([]byte, 32)...))
		_, _ = io.Copy(io.Discard, c)
	})
	err := dialFake(t, addr, Options{})
	require.ErrorIs(t, err, wire.ErrAuth)
	assert.EqualError(t, err, "authentication failed: the master could not prove it knows the key")
}

func TestDialGivesUpOnASilentMaster(t *testing.T) {
	addr := fakeMaster(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // until the worker gives up
	})
	err := dialFake(t, addr, Options{HandshakeTimeout: 100 * time.Millisecond})
	assert.EqualError(t, err, "no handshake within 100ms")
}

func TestPrefetchFollowsThePace(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		batchLen int
		took     time.Duration
		want     int
	}{
		{"first request", 0, 0, 1},
		{"a second per task", 1, time.Second, 1},
		{"a millisecond per task", 10, 10 * time.Millisecond, 5},
		{"a microsecond per task", 100, 100 * time.Microsecond, defaultMaxBatch},
	}
	for _, tt := range tests {
		c := &Client{batchLen: tt.batchLen, batchAt: now.Add(-tt.took), maxBatch: defaultMaxBatch}
		got := c.want()
		// Time passes while the test runs, so allow the count to come out
		// one lower than computed.
		assert.Contains(t, []int{tt.want, max(tt.want-1, 1)}, got, "%s: want() = %d; want %d", tt.name, got, tt.want)
	}
}

func TestWorkerBetweenCallsIsToldTheQueuesAreClosed(t *testing.T) {
	m := startMaster(t, Options{})
	c := dial(t, m)
	// A first call, answered: the worker is between two calls now.
	_, ok, err := c.GetTask(t.Context(), 0)
	require.NoError(t, err)
	require.False(t, ok, "no task was put")
	// The master finishes while the worker is busy between two calls.
	m.hub.Close()
	closed := make(chan error, 1)
	go func() { closed <- m.srv.Close() }()
	_, _, err = c.GetTask(t.Context(), patience)
	assert.EqualError(t, err, "the master has closed the queues", "an answer, not a cut connection")
	require.NoError(t, c.Close())
	assert.NoError(t, receive(t, closed, "the server's Close did not return after its worker left"))
}
