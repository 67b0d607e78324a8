package pythonq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"multitask/09-distributed/guard"
	"multitask/09-distributed/pythonq/wire"
	"multitask/09-distributed/taskq"
)

// closeGrace is how long Close keeps the proxies' connections open after
// the queues closed, so that a Python worker's get hears queue.Empty and
// the worker leaves by itself instead of finding its connection cut.
const closeGrace = time.Second

// Server serves a hub's queues to Python workers, and to Go workers of this
// transport, as a BaseManager with get_task_queue and get_result_queue.
type Server struct {
	ln     net.Listener
	key    []byte
	hub    *taskq.Hub
	opts   Options
	guard  *guard.Guard
	match  *matcher
	ctx    context.Context // cancelled when Close begins
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and one per connection
	conns  *guard.Conns   // every connection open, from accept to close
}

// Listen listens on TCP address addr and serves hub to workers that know
// key.
func Listen(addr string, key []byte, hub *taskq.Hub, opts Options) (*Server, error) {
	if len(key) == 0 {
		return nil, errors.New("pythonq: empty key")
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		ln: ln, key: key, hub: hub, opts: opts,
		guard:  guard.New(opts.Guard),
		match:  newMatcher(opts.Logf),
		ctx:    ctx,
		cancel: cancel,
		conns:  guard.NewConns(),
	}
	s.wg.Go(func() { s.guard.Serve(s.ctx, s.ln, &s.wg, s.conns.Track, s.serveConn) })
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops accepting and returns when every connection has ended. A
// worker waiting in get hears queue.Empty at once, as when the hub closes
// (closing the hub first is the usual order), and every get after it too;
// the workers get closeGrace to leave before their connections are cut.
func (s *Server) Close() error {
	if !s.conns.Close() {
		return nil
	}
	// Before the cut, not with it: a get that ended with the cut would
	// find its connection closed, and its worker would hear a crash
	// instead of the end of the work.
	s.cancel()
	err := s.ln.Close()
	cut := time.AfterFunc(closeGrace, s.conns.CutAll)
	s.wg.Wait()
	cut.Stop()
	s.guard.Report()
	return err
}

// serveConn is one connection, as a Python manager's server handles it:
// the mutual challenge, then one request; after "accept_connection", a
// proxy's calls until the worker hangs up.
func (s *Server) serveConn(c net.Conn, t *guard.Ticket) {
	defer s.conns.Untrack(c)
	defer t.Done()
	if err := t.Wait(s.ctx); err != nil {
		return
	}
	_ = c.SetDeadline(time.Now().Add(s.opts.HandshakeTimeout))
	err := wire.ServerHandshake(c, s.key, s.opts.Form)
	switch {
	case err == nil:
	case s.conns.Closing(), t.Cut():
		return
	case errors.Is(err, wire.ErrAuth):
		t.Refused(err, true)
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Refused(fmt.Errorf("no handshake within %v", s.opts.HandshakeTimeout), false)
		return
	case errors.Is(err, wire.ErrNotManager):
		t.Refused(fmt.Errorf("%w (a worker of another transport? Python's workers and -transport python speak this one)", err), false)
		return
	default:
		t.Refused(err, false)
		return
	}
	if s.conns.Pass(c, t) != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	conn := &conn{c: c, from: c.RemoteAddr().String(), s: s}
	conn.serve()
}

// conn is one worker connection past the handshake.
type conn struct {
	c    net.Conn
	from string
	s    *Server
	// session is the hub session of a task queue proxy: the tasks its gets
	// hand out are leased to it, and go back when the connection ends.
	session *taskq.Session
}

// serve answers the connection's one control request, and a proxy's calls
// after "accept_connection".
func (c *conn) serve() {
	defer c.endSession()
	req, ok := c.read()
	if !ok {
		return
	}
	reply, proxy := c.s.control(req)
	if !c.write(reply) || !proxy {
		return
	}
	for {
		req, ok := c.read()
		if !ok {
			return
		}
		if !c.write(c.call(req)) {
			return
		}
	}
}

// read reads and decodes one request. Anything that is not a request, above
// all a pickle that names a global or a call this side does not allow,
// closes the connection with one line in the log.
func (c *conn) read() (wire.Request, bool) {
	// A proxy waits between its calls as long as its worker works; a frame
	// once begun must arrive within FrameTimeout.
	_ = c.c.SetReadDeadline(time.Time{})
	p, err := wire.ReadFrame(&deadlineOnFirstByte{c: c.c, d: c.s.opts.FrameTimeout}, c.s.opts.MaxFrame)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !c.s.conns.Closing() {
			c.s.opts.Logf("closed the connection from %s: %v", c.from, err)
		}
		return wire.Request{}, false
	}
	req, err := wire.DecodeRequest(p)
	if err != nil {
		c.s.opts.Logf("closed the connection from %s: %v", c.from, err)
		return wire.Request{}, false
	}
	return req, true
}

func (c *conn) write(r wire.Reply) bool {
	p, err := wire.EncodeReply(r)
	if err != nil {
		c.s.opts.Logf("closed the connection from %s: cannot send its reply: %v", c.from, err)
		return false
	}
	_ = c.c.SetWriteDeadline(time.Now().Add(c.s.opts.FrameTimeout))
	return wire.WriteFrame(c.c, p) == nil
}

func (c *conn) endSession() {
	if c.session != nil {
		c.s.match.forget(c.session)
		_ = c.session.Close()
	}
}

// deadlineOnFirstByte reads from c with no deadline until the first byte
// of a frame has come, then gives the rest of the frame d to arrive.
type deadlineOnFirstByte struct {
	c       net.Conn
	d       time.Duration
	started bool
}

func (r *deadlineOnFirstByte) Read(p []byte) (int, error) {
	if r.started {
		return r.c.Read(p)
	}
	n, err := r.c.Read(p[:min(len(p), 1)])
	if n > 0 {
		r.started = true
		_ = r.c.SetReadDeadline(time.Now().Add(r.d))
	}
	return n, err
}
