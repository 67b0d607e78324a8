// Package rpcq carries the task and result queues of a [taskq.Hub] between a
// master and its workers with the standard library's net/rpc, the Go cousin
// of the proxies Python's managers hand out.
//
// A connection starts with the [wire] handshake: nothing is decoded before
// the worker has proved that it knows the key (and the master that it does).
// After that, every request and response is one tagged frame holding a
// gob-encoded message. There is a single remote method, Exchange: a worker
// hands in the results it has and asks for more tasks in the same round
// trip, and asks for more than one task at a time when it finishes them
// quickly. That is what makes a hundred thousand tasks a second possible
// over loopback; the hub's leases keep it from losing or doubling a task.
//
// The server expects hostile peers. Before the handshake, package guard
// decides who may wait for it (a flood cycles through a bounded room) and
// slows down an address that keeps failing it. After the handshake a peer
// holds the key, and is still bounded: frames of at most MaxFrame bytes
// whose buffer grows with what arrives and which must arrive within
// FrameTimeout once begun, at most MaxInFlight calls at once, and results
// accepted only for the tasks leased to that very connection. A worker's
// calls, in turn, end within their wait and CallTimeout, and a heartbeat
// keeps its leases alive while it works.
package rpcq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"sync"
	"time"

	"multitask/09-distributed/guard"
	"multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
)

// DefaultHandshakeTimeout is how long a connecting peer has to finish the
// handshake unless [Options] say otherwise.
const DefaultHandshakeTimeout = 5 * time.Second

// Defaults of the other [Options].
const (
	// DefaultFrameTimeout is how long a frame may take to arrive once its
	// first byte has: long enough for a megabyte over a slow line, short
	// enough that a peer cannot pin a half-sent frame for long.
	DefaultFrameTimeout = 10 * time.Second
	// DefaultCallTimeout is how long a worker waits for the master's answer
	// beyond the wait it asked for: a stopped or vanished master cannot
	// hang it longer.
	DefaultCallTimeout = 15 * time.Second
	// DefaultMaxInFlight bounds the calls a worker may have in flight on one
	// connection. An honest one has two at most: an exchange, and a
	// heartbeat while it works on a task.
	DefaultMaxInFlight = 4
)

// Options tune a server or a client; the zero value is ready to use.
type Options struct {
	// MaxFrame is the largest frame payload accepted or sent, in bytes
	// (default [wire.DefaultMaxFrame]).
	MaxFrame int
	// HandshakeTimeout bounds the handshake (default DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// FrameTimeout bounds the arrival of a frame once it has begun (default
	// DefaultFrameTimeout).
	FrameTimeout time.Duration
	// Logf, on a server, is told in one line about connections it refuses or
	// drops. Nil logs nothing.
	Logf func(format string, args ...any)
	// Guard, on a server, limits the connections that have not proved the
	// key and slows down guessing; its Logf defaults to Logf.
	Guard guard.Config
	// MaxInFlight, on a server, is the most calls one connection may have
	// in flight (default DefaultMaxInFlight); a connection that sends more
	// is dropped.
	MaxInFlight int
	// MaxBatch, on a client, is the most tasks it asks for at once and the
	// most results it holds back (default 256). 1 makes every task a round
	// trip of its own, as with Python's proxies.
	MaxBatch int
	// CallTimeout, on a client, is how long it waits for an answer beyond
	// the wait it asked for (default DefaultCallTimeout).
	CallTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxFrame <= 0 {
		o.MaxFrame = wire.DefaultMaxFrame
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = DefaultFrameTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Guard.Logf == nil {
		o.Guard.Logf = o.Logf
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = defaultMaxBatch
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	return o
}

// closeGrace is how long Close keeps a worker's connection open so that the
// worker hears "the queues are closed" in answer to its next request, and
// leaves by itself, rather than finding its connection cut.
const closeGrace = time.Second

// Server serves a hub's queues to the workers that connect to its listener.
type Server struct {
	ln     net.Listener
	key    []byte
	hub    *taskq.Hub
	opts   Options
	guard  *guard.Guard
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and one per connection
	conns  *guard.Conns   // every connection open, from accept to close
}

// Listen listens on TCP address addr and serves hub to workers that know key.
func Listen(addr string, key []byte, hub *taskq.Hub, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return Serve(ln, key, hub, opts), nil
}

// Serve serves hub on ln, which the server then owns, until [Server.Close].
func Serve(ln net.Listener, key []byte, hub *taskq.Hub, opts Options) *Server {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		ln:     ln,
		key:    key,
		hub:    hub,
		opts:   opts,
		guard:  guard.New(opts.Guard),
		ctx:    ctx,
		cancel: cancel,
		conns:  guard.NewConns(),
	}
	s.wg.Go(func() { s.guard.Serve(s.ctx, s.ln, &s.wg, s.conns.Track, s.serveConn) })
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting, ends every connection and returns when all of the
// server's goroutines have. Handshakes under way are cut off at once.
// Workers get up to closeGrace to hear that the queues are closed and hang
// up; a worker busy with a long task is then cut off. The hub is not closed
// here: close it first, or the workers' requests wait for tasks instead of
// being told that there are no more.
func (s *Server) Close() error {
	if !s.conns.Close() {
		return nil
	}
	s.cancel()
	err := s.ln.Close()
	// Closing a connection wakes the goroutine reading from it on every
	// platform; deadlines are the frame readers' own.
	cut := time.AfterFunc(closeGrace, s.conns.CutAll)
	s.wg.Wait()
	cut.Stop()
	s.guard.Report()
	return err
}

// testHookPassed, when a test sets it, runs after a worker has passed the
// handshake and before it is served: the moment at which a worker whose
// Dial has returned must already count as one that Close gives its grace to.
var testHookPassed func(*Server)

func (s *Server) serveConn(c net.Conn, t *guard.Ticket) {
	defer s.conns.Untrack(c)
	defer t.Done()
	from := c.RemoteAddr().String()

	// An address that failed the handshake too often waits its turn.
	if err := t.Wait(s.ctx); err != nil {
		return
	}
	_ = c.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	admit := func() error { return s.conns.Pass(c, t) }
	keys, err := wire.ServerAdmit(c, s.key, admit)
	if err == nil && testHookPassed != nil {
		testHookPassed(s)
	}
	switch {
	case err == nil:
	case s.conns.Closing(), t.Cut():
		return // cut off by Close or to make room, not worth a line each
	case errors.Is(err, wire.ErrAuth):
		t.Refused(err, true)
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Refused(fmt.Errorf("no handshake within %v", s.opts.HandshakeTimeout), false)
		return
	default:
		t.Refused(err, false)
		return
	}
	_ = c.SetDeadline(time.Time{})

	session := s.hub.Connect(from)
	codec := &serverCodec{frames: newFrames(c, keys, s.opts), maxInFlight: int64(s.opts.MaxInFlight)}
	codec.onReadEnd = func() { _ = session.Close() }
	srv := rpc.NewServer()
	if err := srv.RegisterName(serviceName, &Queues{session: session}); err != nil {
		s.opts.Logf("serve %s: %v", session.Name(), err)
		_ = session.Close()
		return
	}
	srv.ServeCodec(codec)
	_ = session.Close()
	// A bad frame or too many calls are the worker's doing; the end of the
	// stream or a cut by Close is not worth a line.
	if err := codec.readErr(); errors.Is(err, wire.ErrFrame) || errors.Is(err, errTooManyCalls) {
		s.opts.Logf("dropped %s: %v", session.Name(), err)
	}
}

// serviceName is what the worker calls the master's service.
const serviceName = "Queues"

// maxWait bounds how long one Exchange may wait for tasks, whatever the
// worker asks for.
const maxWait = time.Minute

// ExchangeArgs is a worker's request: results to hand in, and how many tasks
// it wants now (0 if it only hands in results), waiting at most Wait for the
// first one.
type ExchangeArgs struct {
	Results []taskq.Result
	Want    int
	Wait    time.Duration
}

// ExchangeReply carries the tasks now leased to the worker, or says that the
// master has closed the queues. Lease is how long the master keeps a task
// leased to a worker that gives no sign of life: the worker sends a
// heartbeat well within it while it holds tasks.
type ExchangeReply struct {
	Tasks  []taskq.Task
	Closed bool
	Lease  time.Duration
}

// RenewArgs is a worker's heartbeat: it says nothing but "still here".
type RenewArgs struct{}

// RenewReply says whether the master has closed the queues meanwhile.
type RenewReply struct {
	Closed bool
}

// Queues is the remote object a worker calls, one per connection: it holds
// the worker's session, so that the tasks leased to it can be put back when
// the connection ends or its lease runs out.
type Queues struct {
	session *taskq.Session
}

// Exchange takes the worker's results, then leases it up to args.Want tasks.
// A result for a task that was never put, or that is leased to someone
// else, fails the call before any task is leased, so that the refusal
// cannot strand tasks. Every call renews the worker's leases.
func (q *Queues) Exchange(args ExchangeArgs, reply *ExchangeReply) error {
	// No context: the session's Close (the connection ended) and the hub's
	// Close (the master is done) end every wait.
	ctx := context.Background()
	reply.Lease = q.session.Lease()
	if errors.Is(q.session.Renew(), taskq.ErrClosed) {
		reply.Closed = true
		return nil
	}
	if len(args.Results) > 0 {
		err := q.session.PutResults(ctx, args.Results)
		if errors.Is(err, taskq.ErrClosed) {
			reply.Closed = true
			return nil
		}
		if err != nil {
			return err
		}
	}
	if args.Want <= 0 {
		return nil
	}
	tasks, err := q.session.GetTasks(ctx, args.Want, min(max(args.Wait, 0), maxWait))
	if errors.Is(err, taskq.ErrClosed) {
		reply.Closed = true
		return nil
	}
	reply.Tasks = tasks
	return err
}

// Renew is a worker's heartbeat: it renews the leases of the tasks the
// worker holds, so that a task that takes longer than a lease is not handed
// to someone else while its worker is alive and at it.
func (q *Queues) Renew(_ RenewArgs, reply *RenewReply) error {
	reply.Closed = errors.Is(q.session.Renew(), taskq.ErrClosed)
	return nil
}
