package eventloop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// goroutineServer is the way Go programs are normally written: one goroutine
// per connection, plain blocking reads and writes. It looks like the
// thread-per-connection model the tutorial warns about, but a goroutine that
// blocks on a socket does not hold an OS thread: the runtime parks it, hands
// the descriptor to its network poller (epoll on Linux) and runs something
// else. So this is an event loop too; the runtime wrote it for us.
type goroutineServer struct {
	cfg    serverConfig
	ln     net.Listener
	quit   chan struct{} // closed by Close, so that waiting handlers stop at once
	wg     sync.WaitGroup
	served atomic.Int64

	mu      sync.Mutex
	closing bool
	conns   map[net.Conn]struct{} // open connections, so that Close can unblock their reads

	closeOnce sync.Once
}

func startGoroutineServer(cfg serverConfig) (server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("goroutine server: listen: %w", err)
	}
	s := &goroutineServer{cfg: cfg, ln: ln, quit: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	s.wg.Go(s.acceptLoop)
	return s, nil
}

func (s *goroutineServer) Addr() string  { return s.ln.Addr().String() }
func (s *goroutineServer) Served() int64 { return s.served.Load() }

func (s *goroutineServer) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.ln.Close()
		s.mu.Lock()
		s.closing = true
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	s.wg.Wait()
	return nil
}

// After a failed accept, acceptLoop waits acceptBackoff, then twice as long
// after every further failure in a row, up to maxAcceptBackoff.
const (
	acceptBackoff    = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

func (s *goroutineServer) acceptLoop() {
	backoff := acceptBackoff
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of descriptors (EMFILE) and the like pass when some
			// connection closes. Retrying at once would spin, so wait a
			// little longer each time, as net/http does.
			if s.cfg.onAcceptError != nil {
				s.cfg.onAcceptError(err)
			}
			select {
			case <-s.quit:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxAcceptBackoff)
			continue
		}
		backoff = acceptBackoff
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Go(func() { s.handle(c) })
	}
}

// track records an accepted connection, or reports false when Close has
// already run and the connection must not be served.
func (s *goroutineServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *goroutineServer) handle(c net.Conn) {
	reason := s.serve(c)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	if s.cfg.onClose != nil {
		s.cfg.onClose(c.RemoteAddr().String(), reason)
	}
}

// serve answers requests on c until the client leaves or misbehaves, and says
// why it stopped.
func (s *goroutineServer) serve(c net.Conn) closeReason {
	// A reader of exactly maxLine bytes: ReadSlice fails with ErrBufferFull
	// on a longer line, which is how an endless line gets dropped.
	r := bufio.NewReaderSize(c, maxLine)
	reply := make([]byte, 0, maxReply)
	for {
		c.SetReadDeadline(time.Now().Add(s.cfg.idle))
		line, err := r.ReadSlice('\n')
		if err != nil {
			return s.readFailure(err, len(line))
		}
		id, ok := parseRequest(line[:len(line)-1])
		if !ok {
			return reasonGarbage
		}
		reply = appendReply(reply[:0], id)
		if s.cfg.onRequest != nil {
			s.cfg.onRequest()
		}
		if !s.wait() {
			return reasonShutdown
		}
		c.SetWriteDeadline(time.Now().Add(s.cfg.idle))
		if _, err := c.Write(reply); err != nil {
			return reasonBroken
		}
		s.served.Add(1)
	}
}

// wait is the slow IO: the handler's goroutine sleeps, and with it nothing
// but a few kilobytes of stack. It reports false when the server is closing.
func (s *goroutineServer) wait() bool {
	if s.cfg.delay == 0 {
		return true
	}
	t := time.NewTimer(s.cfg.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.quit:
		return false
	}
}

func (s *goroutineServer) readFailure(err error, partial int) closeReason {
	select {
	case <-s.quit:
		return reasonShutdown
	default:
	}
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return reasonGarbage
	case errors.Is(err, os.ErrDeadlineExceeded):
		return reasonIdle
	case errors.Is(err, io.EOF) && partial == 0:
		return reasonDone
	default:
		return reasonBroken
	}
}
