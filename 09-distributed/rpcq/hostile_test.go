package rpcq

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
)

// These tests play the attacker against the server, and the master that
// fails under a worker: they check that every defence holds and says why in
// one line.

// rawRPC is an authenticated connection that speaks rpc without a Client's
// manners: no heartbeat, no batching, as many calls at once as it likes.
func rawRPC(t *testing.T, m *master) *rpc.Client {
	t.Helper()
	c, keys := authedConn(t, m)
	rc := rpc.NewClientWithCodec(&clientCodec{frames: newFrames(c, keys, Options{}.withDefaults())})
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

func TestGuessesFromOneAddressAreSlowedDown(t *testing.T) {
	// 16 connections at a time from one address, each with a wrong key, for
	// two seconds. Without the guard that is some 16,000 guesses.
	m := startMaster(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	var refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				_, err := Dial(ctx, m.addr(), fmt.Appendf(nil, "guess %d-%d", i, n), Options{})
				if errors.Is(err, wire.ErrAuth) {
					refused.Add(1)
				}
			}
		})
	}
	waitGroup(t, &wg, "the guessers did not stop at their deadline")
	t.Logf("%d wrong keys tried in 2s", refused.Load())
	// The first round (one guess per connection, plus a few) goes at once;
	// then the address waits 250ms, 500ms, 1s, ... between two handshakes.
	assert.LessOrEqual(t, refused.Load(), int64(16+3+3), "guesses in 2s from one address")
	assert.Positive(t, refused.Load(), "a guesser is slowed down, not locked out")
	m.close(t)
	assert.Contains(t, m.log.text(), "handshakes from 127.0.0.1 now wait their turn")
	assert.Contains(t, m.log.text(), "more refusals from 127.0.0.1 are counted, not logged")
}

func TestASilentFloodCyclesThroughAndAWorkerGetsIn(t *testing.T) {
	// 1,000 connections that never say a word, from the worker's own
	// address: the oldest are cut to make room, and the worker passes.
	m := startMaster(t, Options{})
	m.put(t, 3)
	for range 1000 {
		rawConn(t, m)
	}
	c := dial(t, m)
	for range 3 {
		task := take(t, c)
		require.NoError(t, c.PutResult(t.Context(), taskq.Result{TaskID: task.ID, Text: "ok"}))
	}
	require.NoError(t, c.Close())
	m.close(t)
	assert.Equal(t, 3, m.hub.Stats().Results)
	assert.Equal(t, 1, countLines(m.log.text(), "too many connections that have not proved the key"), "the flood is logged once:\n%s", m.log.text())
	assert.Zero(t, countLines(m.log.text(), "no handshake within"), "the cut connections are not logged one by one")
}

// countLines counts the lines of text that contain s.
func countLines(text, s string) int {
	n := 0
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func TestManyWorkersAtOnceFromOneAddressAllGetIn(t *testing.T) {
	// The per-address limit is for floods, not for a machine that starts
	// its workers all at once.
	m := startMaster(t, Options{})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c, err := Dial(dialCtx(t), m.addr(), testKey, Options{})
			if assert.NoError(t, err) {
				assert.NoError(t, c.Close())
			}
		})
	}
	waitGroup(t, &wg, "50 workers did not all connect")
	m.close(t)
	assert.NotContains(t, m.log.text(), "too many connections")
}

func TestAHalfSentFrameIsCutAtItsDeadline(t *testing.T) {
	// A key holder announces a frame just under the limit and sends one
	// byte of it. The master grows its buffer with what arrives (a few
	// kilobytes here, see the wire tests) and drops the connection when the
	// frame has not come in full within the frame timeout.
	m := startMaster(t, Options{FrameTimeout: 100 * time.Millisecond})
	c, _ := authedConn(t, m)
	_, err := c.Write(append(binary.BigEndian.AppendUint32(nil, wire.DefaultMaxFrame-1), 'x'))
	require.NoError(t, err)
	closedByServer(t, c)
	m.close(t)
	assert.Contains(t, m.log.text(), "dropped connection #1: bad frame: it did not arrive in full within 100ms of its first byte")
}

func TestPipelinedCallsAreBounded(t *testing.T) {
	// 1,000 calls sent without waiting for an answer, each asking for a
	// task that does not come: the rpc package would start a goroutine for
	// each. The master drops the connection after the fifth.
	m := startMaster(t, Options{})
	rc := rawRPC(t, m)
	var calls []*rpc.Call
	for range 1000 {
		calls = append(calls, rc.Go(serviceName+".Exchange", ExchangeArgs{Want: 1, Wait: time.Hour}, &ExchangeReply{}, make(chan *rpc.Call, 1)))
	}
	last := receive(t, calls[len(calls)-1].Done, "the master kept serving 1,000 calls in flight on one connection")
	assert.Error(t, last.Error)
	m.close(t)
	assert.Contains(t, m.log.text(), "dropped connection #1: too many calls in flight: more than 4")
}

func TestOnlyTheLeaseHolderMayAnswer(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 2)
	honest, forger := dial(t, m), dial(t, m)
	held := take(t, honest)
	require.Equal(t, uint64(1), held.ID)

	// The forger answers the task leased to the honest worker, and one it
	// never took.
	for _, id := range []uint64{1, 2} {
		require.NoError(t, forger.PutResult(t.Context(), taskq.Result{TaskID: id, Text: "forged"}))
		_, _, err := forger.GetTask(t.Context(), 0)
		require.EqualError(t, err, fmt.Sprintf("the master refused: result for task %d, not leased to this worker", id))
	}
	require.NoError(t, honest.PutResult(t.Context(), taskq.Result{TaskID: held.ID, Text: "honest"}))
	require.NoError(t, honest.Close())
	r, ok, err := m.hub.GetResult(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok, "the honest result did not arrive")
	assert.Equal(t, taskq.Result{TaskID: 1, Text: "honest"}, r)
	require.NoError(t, forger.Close())
	m.close(t)
	st := m.hub.Stats()
	assert.Equal(t, 1, st.Results)
	assert.Equal(t, 2, st.NotLeased)
	// The forger is whichever connection the hub numbered second: the two
	// handshakes may end in either order. Only it sends refused results.
	assert.Equal(t, 1, countLines(m.log.text(), " sent a result for task"), "logged once:\n%s", m.log.text())
}

func TestAWorkerWithoutHeartbeatLosesItsTaskAndItsLateResultIsDropped(t *testing.T) {
	// rawRPC sends no heartbeat: a worker stopped right after it took its
	// task looks the same to the master.
	m := startMasterWithHub(t, Options{}, taskq.LeaseFor(500*time.Millisecond))
	m.put(t, 1)
	stopped := rawRPC(t, m)
	var reply ExchangeReply
	require.NoError(t, stopped.Call(serviceName+".Exchange", ExchangeArgs{Want: 1}, &reply))
	require.Len(t, reply.Tasks, 1)
	assert.Equal(t, 500*time.Millisecond, reply.Lease, "the master tells the worker its lease")

	other := dial(t, m)
	again := take(t, other) // comes when the lease runs out
	assert.Equal(t, reply.Tasks[0], again)

	// The stopped worker wakes up and answers: dropped, without an error.
	var late ExchangeReply
	require.NoError(t, stopped.Call(serviceName+".Exchange", ExchangeArgs{Results: []taskq.Result{{TaskID: again.ID, Text: "late"}}}, &late))
	require.NoError(t, other.PutResult(t.Context(), taskq.Result{TaskID: again.ID, Text: "on time"}))
	require.NoError(t, other.Close())
	r, ok, err := m.hub.GetResult(t.Context(), patience)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "on time", r.Text)
	require.NoError(t, stopped.Close())
	m.close(t)
	st := m.hub.Stats()
	assert.Equal(t, 1, st.Expired)
	assert.Equal(t, 1, st.Late)
	assert.Contains(t, m.log.text(), "connection #1 gave no sign of life for 500ms: its lease on task 1 (n=1) ran out; put back in the queue")
}

func TestTheHeartbeatKeepsALongTasksLease(t *testing.T) {
	// A heartbeat every 100ms for a 400ms lease: the worker would have to
	// be starved of the CPU for 300ms to lose its task while alive.
	m := startMasterWithHub(t, Options{}, taskq.LeaseFor(400*time.Millisecond))
	m.put(t, 2)
	busy := dial(t, m)
	first := take(t, busy) // the reply says the lease; the heartbeat starts
	// A worker that waits three leases for a task sees none: the busy
	// worker is alive, so its task stays leased to it. (Task 2 is taken
	// first.)
	other := dial(t, m)
	second := take(t, other)
	_, ok, err := other.GetTask(t.Context(), 1200*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok, "the busy worker's task was handed out while its heartbeat went on")
	require.NoError(t, busy.PutResult(t.Context(), taskq.Result{TaskID: first.ID, Text: "slow but alive"}))
	require.NoError(t, other.PutResult(t.Context(), taskq.Result{TaskID: second.ID, Text: "quick"}))
	require.NoError(t, busy.Close())
	require.NoError(t, other.Close())
	m.close(t)
	assert.Equal(t, 2, m.hub.Stats().Results)
	assert.Zero(t, m.hub.Stats().Expired)
}

// handshakeThen is a fake master that passes the handshake honestly, then
// does what behave says with the connection.
func handshakeThen(t *testing.T, behave func(net.Conn)) string {
	t.Helper()
	return fakeMaster(t, func(c net.Conn) {
		if _, err := wire.Server(c, testKey); err == nil {
			behave(c)
		}
	})
}

func TestAStoppedMasterCannotHangAWorker(t *testing.T) {
	// The master reads the worker's requests and never answers, as one
	// stopped with kill -STOP would.
	addr := handshakeThen(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	c, err := Dial(dialCtx(t), addr, testKey, Options{CallTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, _, err := c.GetTask(context.Background(), 0)
		done <- err
	}()
	err = receive(t, done, "the worker still waits for a master that does not answer")
	assert.EqualError(t, err, "lost the connection to the master: no answer within 100ms")
	assert.NotErrorIs(t, err, taskq.ErrClosed, "a silent master is not one that closed the queues")
	require.NoError(t, c.Close())
}

func TestAVanishedMasterIsNotAClosedQueue(t *testing.T) {
	// The master crashes after the handshake: the connection just ends.
	addr := handshakeThen(t, func(net.Conn) {})
	c, err := Dial(dialCtx(t), addr, testKey, Options{})
	require.NoError(t, err)
	_, _, err = c.GetTask(t.Context(), patience)
	require.Error(t, err)
	assert.NotErrorIs(t, err, taskq.ErrClosed, "a crash must not look like the end of the work")
	assert.Regexp(t, `^lost the connection to the master: `, err.Error())
	require.NoError(t, c.Close())
}

func TestAWorkerLetInDuringShutdownHearsTheQueuesAreClosed(t *testing.T) {
	// The master's shutdown starts just after a worker's handshake passed,
	// before the master has served it at all. The worker's Dial has
	// returned, so it must count as a worker already: it gets the grace,
	// and hears that the queues are closed instead of losing the connection.
	m := startMaster(t, Options{})
	testHookPassed = func(s *Server) { <-s.ctx.Done() } // hold it until Close begins
	t.Cleanup(func() { testHookPassed = nil })
	c := dial(t, m)
	m.hub.Close()
	closed := make(chan error, 1)
	go func() { closed <- m.srv.Close() }()
	_, _, err := c.GetTask(t.Context(), patience)
	assert.EqualError(t, err, "the master has closed the queues", "an answer, not a cut connection")
	require.NoError(t, c.Close())
	assert.NoError(t, receive(t, closed, "the server's Close did not return after its worker left"))
}
