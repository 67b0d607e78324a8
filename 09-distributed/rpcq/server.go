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
package rpcq

import (
	"context"
	"errors"
	"net"
	"net/rpc"
	"os"
	"sync"
	"time"

	"multitask/09-distributed/taskq"
	"multitask/09-distributed/wire"
)

// DefaultHandshakeTimeout is how long a connecting peer has to finish the
// handshake unless [Options] say otherwise.
const DefaultHandshakeTimeout = 5 * time.Second

// Options tune a server or a client; the zero value is ready to use.
type Options struct {
	// MaxFrame is the largest frame payload accepted or sent, in bytes
	// (default [wire.DefaultMaxFrame]).
	MaxFrame int
	// HandshakeTimeout bounds the handshake (default DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// Logf, on a server, is told in one line about connections it refuses or
	// drops. Nil logs nothing.
	Logf func(format string, args ...any)
	// MaxBatch, on a client, is the most tasks it asks for at once and the
	// most results it holds back (default 256). 1 makes every task a round
	// trip of its own, as with Python's proxies.
	MaxBatch int
}

func (o Options) withDefaults() Options {
	if o.MaxFrame <= 0 {
		o.MaxFrame = wire.DefaultMaxFrame
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = defaultMaxBatch
	}
	return o
}

// closeGrace is how long Close keeps a worker's connection open so that the
// worker hears "the queues are closed" in answer to its next request, and
// leaves by itself, rather than finding its connection cut.
const closeGrace = time.Second

// Server serves a hub's queues to the workers that connect to its listener.
type Server struct {
	ln   net.Listener
	key  []byte
	hub  *taskq.Hub
	opts Options
	wg   sync.WaitGroup // the accept loop and one per connection
	done chan struct{}  // closed by Close

	mu      sync.Mutex
	conns   map[net.Conn]bool // true once past the handshake
	closing bool
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
	s := &Server{
		ln:    ln,
		key:   key,
		hub:   hub,
		opts:  opts.withDefaults(),
		done:  make(chan struct{}),
		conns: make(map[net.Conn]bool),
	}
	s.wg.Go(s.accept)
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
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	close(s.done)
	now := time.Now()
	for c, serving := range s.conns {
		// A deadline wakes the goroutine reading from c when it passes, on
		// every platform: at once for a handshake, after the grace for a
		// worker that does not hang up by itself.
		if serving {
			_ = c.SetDeadline(now.Add(closeGrace))
		} else {
			_ = c.SetDeadline(now)
		}
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	backoff := 5 * time.Millisecond
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors, say: the next Accept may work, so wait a
			// little, longer each time, and stop when the server closes.
			s.opts.Logf("accept: %v", err)
			select {
			case <-s.done:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		s.wg.Go(func() { s.serveConn(c) })
	}
}

// track registers c and starts its handshake clock, unless the server is
// closing. Both happen under the lock, so Close's deadline always comes last.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	_ = c.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	s.conns[c] = false
	return true
}

// untrack closes c and forgets it.
func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	_ = c.Close()
}

// passed marks c as past its handshake and lifts the handshake deadline,
// unless Close has come first.
func (s *Server) passed(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	_ = c.SetDeadline(time.Time{})
	s.conns[c] = true
	return true
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) serveConn(c net.Conn) {
	if !s.track(c) {
		_ = c.Close()
		return
	}
	defer s.untrack(c)
	from := c.RemoteAddr().String()

	keys, err := wire.Server(c, s.key)
	switch {
	case err == nil:
	case errors.Is(err, wire.ErrAuth):
		s.opts.Logf("refused %s: %v", from, err)
		return
	case s.isClosing():
		return // cut off by Close, not the peer's fault
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.opts.Logf("refused %s: no handshake within %v", from, s.opts.HandshakeTimeout)
		return
	default:
		s.opts.Logf("refused %s: %v", from, err)
		return
	}
	if !s.passed(c) {
		return
	}

	session := s.hub.Connect(from)
	codec := &serverCodec{frames: newFrames(c, keys, s.opts.MaxFrame)}
	codec.onReadEnd = func() { _ = session.Close() }
	srv := rpc.NewServer()
	if err := srv.RegisterName(serviceName, &Queues{session: session}); err != nil {
		s.opts.Logf("serve %s: %v", session.Name(), err)
		_ = session.Close()
		return
	}
	srv.ServeCodec(codec)
	_ = session.Close()
	// A bad frame is the worker's doing; the end of the stream or a deadline
	// set by Close is not worth a line.
	if err := codec.readErr(); errors.Is(err, wire.ErrFrame) {
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
// master has closed the queues.
type ExchangeReply struct {
	Tasks  []taskq.Task
	Closed bool
}

// Queues is the remote object a worker calls, one per connection: it holds
// the worker's session, so that the tasks leased to it can be put back when
// the connection ends.
type Queues struct {
	session *taskq.Session
}

// Exchange takes the worker's results, then leases it up to args.Want tasks.
// A result for a task that was never put fails the call before any task is
// leased, so that the refusal cannot strand tasks.
func (q *Queues) Exchange(args ExchangeArgs, reply *ExchangeReply) error {
	// No context: the session's Close (the connection ended) and the hub's
	// Close (the master is done) end every wait.
	ctx := context.Background()
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
