//go:build linux

package eventloop

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// epollServer is the event-driven model of the tutorial (one thread, many
// connections, like an Nginx worker) written out by hand: a single goroutine
// runs a loop around epoll_wait over non-blocking sockets. Each connection is
// a small struct in a slice indexed by its descriptor; a request that must
// wait goes on a deadline heap instead of a goroutine or timer of its own.
//
// It is what the Go runtime's network poller does for goroutineServer, minus
// the goroutines: compare the two in the lesson's output and benchmarks.
type epollServer struct {
	cfg    serverConfig
	addr   string
	served atomic.Int64

	// done is closed when the loop has returned; err is its error, written
	// before done closes.
	done chan struct{}
	err  error

	// wakeW is the write end of a pipe the loop watches: Close writes one
	// byte to it to stop the loop. Close owns it.
	wakeW     int
	closeOnce sync.Once

	// Everything below belongs to the loop's goroutine alone, so it needs no
	// locks.
	lfd, epfd, wakeR int
	start            time.Time // deadlines count from here, on the monotonic clock
	conns            []*econn  // by descriptor; nil where none is open
	timers           deadlines
	nextGen          uint32
	acceptPaused     bool
	resumeAccept     time.Duration // when a paused accept is retried anyway
	events           [256]syscall.EpollEvent
}

// econnState is what a connection of the event loop is doing.
type econnState uint8

const (
	stateReading econnState = iota // waiting for a complete request line
	stateWaiting                   // a request is in, its reply is due at deadline
	stateWriting                   // the reply did not fit the socket buffer; waiting for EPOLLOUT
)

// econn is one connection of the event loop: all of its state, in about two
// hundred bytes.
type econn struct {
	fd        int
	gen       uint32 // tells this connection from an older one on the same descriptor
	state     econnState
	interest  uint32        // the epoll events currently asked for
	deadline  time.Duration // since epollServer.start
	heapIndex int           // place in the deadline heap, -1 when not on it
	peerIP    [4]byte       // the client's address, for serverConfig.onClose
	peerPort  uint16
	inLen     int
	in        [maxLine]byte
	out       []byte // the part of the reply still to write, inside outBuf
	outBuf    [maxReply]byte
}

func startEpollServer(cfg serverConfig) (server, error) {
	s := &epollServer{cfg: cfg, done: make(chan struct{}), lfd: -1, epfd: -1, wakeR: -1, wakeW: -1}
	if err := s.setup(); err != nil {
		s.closeDescriptors()
		if s.wakeW >= 0 {
			syscall.Close(s.wakeW)
		}
		return nil, fmt.Errorf("epoll server: %w", err)
	}
	go s.loop()
	return s, nil
}

// setup opens the listening socket, the epoll instance and the wake-up pipe.
func (s *epollServer) setup() error {
	var err error
	s.lfd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := syscall.SetsockoptInt(s.lfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := syscall.Bind(s.lfd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	// The kernel caps the backlog at net.core.somaxconn silently; asking for
	// the most lets a burst of ten thousand connects queue up, as Go's own
	// net.Listen does.
	if err := syscall.Listen(s.lfd, 65535); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	sa, err := syscall.Getsockname(s.lfd)
	if err != nil {
		return fmt.Errorf("getsockname: %w", err)
	}
	s.addr = "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)

	if s.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	var pipe [2]int
	if err := syscall.Pipe2(pipe[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		return fmt.Errorf("pipe2: %w", err)
	}
	s.wakeR, s.wakeW = pipe[0], pipe[1]
	for _, fd := range []int{s.lfd, s.wakeR} {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return fmt.Errorf("epoll_ctl add %d: %w", fd, err)
		}
	}
	s.start = time.Now()
	return nil
}

func (s *epollServer) Addr() string  { return s.addr }
func (s *epollServer) Served() int64 { return s.served.Load() }

func (s *epollServer) Close() error {
	s.closeOnce.Do(func() {
		// EAGAIN (a byte is already there) or EPIPE (the loop has already
		// stopped on an error) both mean the loop will stop or has stopped.
		syscall.Write(s.wakeW, []byte{0})
		<-s.done
		syscall.Close(s.wakeW)
	})
	return s.err
}

func (s *epollServer) loop() {
	defer close(s.done)
	s.err = s.run()
	for _, c := range s.conns {
		if c != nil {
			s.closeConn(c, reasonShutdown)
		}
	}
	s.closeDescriptors()
}

func (s *epollServer) closeDescriptors() {
	for _, fd := range []int{s.lfd, s.epfd, s.wakeR} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}

func (s *epollServer) now() time.Duration { return time.Since(s.start) }

// run is the event loop: wait for readiness or the next deadline, handle
// what is ready, fire what is due, again. Nothing in it blocks except
// epoll_wait, and every step does a bounded amount of work.
func (s *epollServer) run() error {
	for {
		n, err := syscall.EpollWait(s.epfd, s.events[:], s.timeout())
		if errors.Is(err, syscall.EINTR) {
			// The Go runtime interrupts threads with signals (to preempt
			// goroutines, for one); that is not an event.
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range s.events[:n] {
			switch fd := int(ev.Fd); fd {
			case s.wakeR:
				return nil
			case s.lfd:
				s.accept()
			default:
				// An event can belong to a connection closed earlier in this
				// batch whose descriptor was reused by an accept since; the
				// generation number in the event's spare word tells them apart.
				if c := s.conns[fd]; c != nil && c.gen == uint32(ev.Pad) {
					s.ready(c, ev.Events)
				}
			}
		}
		s.fireDue()
	}
}

func (s *epollServer) timeout() int {
	now := s.now()
	t := s.timers.timeout(now)
	if s.acceptPaused {
		wait := max(0, int((s.resumeAccept-now+time.Millisecond-1)/time.Millisecond))
		if t < 0 || wait < t {
			t = wait
		}
	}
	return t
}

// accept takes every pending connection. The listening socket is
// level-triggered: whatever is left for lack of descriptors is reported again.
func (s *epollServer) accept() {
	for {
		fd, peer, err := syscall.Accept4(s.lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		switch {
		case err == nil:
			s.register(fd, peer)
		case errors.Is(err, syscall.EAGAIN):
			return
		case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.ECONNABORTED):
			continue
		default:
			// Out of descriptors or memory. A level-triggered listener
			// would report the same connection again at once and spin, so
			// stop watching it until a connection closes, or for a moment.
			if s.cfg.onAcceptError != nil {
				s.cfg.onAcceptError(err)
			}
			s.setListener(0)
			s.acceptPaused = true
			s.resumeAccept = s.now() + acceptRetry
			return
		}
	}
}

// acceptRetry is how long the loop stops watching the listener after an
// accept failed for want of descriptors, unless a connection closes first.
const acceptRetry = 50 * time.Millisecond

func (s *epollServer) setListener(events uint32) {
	ev := syscall.EpollEvent{Events: events, Fd: int32(s.lfd)}
	syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_MOD, s.lfd, &ev)
}

func (s *epollServer) resume() {
	if s.acceptPaused {
		s.acceptPaused = false
		s.setListener(syscall.EPOLLIN)
	}
}

func (s *epollServer) register(fd int, peer syscall.Sockaddr) {
	// Send small replies at once rather than wait to batch them (Nagle's
	// algorithm), as Go does for every TCP connection it makes.
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	s.nextGen++
	c := &econn{fd: fd, gen: s.nextGen, heapIndex: -1, interest: syscall.EPOLLIN}
	if sa, ok := peer.(*syscall.SockaddrInet4); ok {
		c.peerIP, c.peerPort = sa.Addr, uint16(sa.Port)
	}
	ev := syscall.EpollEvent{Events: c.interest, Fd: int32(fd), Pad: int32(c.gen)}
	if err := syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		syscall.Close(fd)
		s.tell(c, reasonBroken)
		return
	}
	for fd >= len(s.conns) {
		s.conns = append(s.conns, make([]*econn, len(s.conns)+64)...)
	}
	s.conns[fd] = c
	s.timers.set(c, s.now()+s.cfg.idle)
}

// want changes the events epoll reports for c. Zero still reports errors
// and hang-ups, which is what a connection waiting out its delay needs.
func (s *epollServer) want(c *econn, events uint32) bool {
	if c.interest == events {
		return true
	}
	c.interest = events
	ev := syscall.EpollEvent{Events: events, Fd: int32(c.fd), Pad: int32(c.gen)}
	if err := syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		s.closeConn(c, reasonBroken)
		return false
	}
	return true
}

func (s *epollServer) ready(c *econn, events uint32) {
	switch c.state {
	case stateReading:
		s.read(c)
	case stateWriting:
		s.write(c)
	case stateWaiting:
		// Only errors and hang-ups are reported while waiting: the peer
		// reset the connection. Level-triggered, they would come back on
		// every turn of the loop, so drop it now.
		if events&(syscall.EPOLLERR|syscall.EPOLLHUP) != 0 {
			s.closeConn(c, reasonBroken)
		}
	}
}

// read takes what the socket has (one read; the socket is level-triggered, so
// more is reported again) and acts on every complete line.
func (s *epollServer) read(c *econn) {
	if c.inLen == len(c.in) {
		s.closeConn(c, reasonGarbage)
		return
	}
	n, err := syscall.Read(c.fd, c.in[c.inLen:])
	switch {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		return
	case err != nil:
		s.closeConn(c, reasonBroken)
		return
	case n == 0 && c.inLen == 0:
		s.closeConn(c, reasonDone)
		return
	case n == 0:
		s.closeConn(c, reasonBroken)
		return
	}
	c.inLen += n
	s.handleInput(c)
}

// handleInput answers the complete request lines in c's buffer, one at a
// time: a request that must wait stops it until its reply has left.
func (s *epollServer) handleInput(c *econn) {
	for c.state == stateReading {
		i := bytes.IndexByte(c.in[:c.inLen], '\n')
		if i < 0 {
			if c.inLen == len(c.in) {
				s.closeConn(c, reasonGarbage)
			}
			return
		}
		id, ok := parseRequest(c.in[:i])
		if !ok {
			s.closeConn(c, reasonGarbage)
			return
		}
		c.out = appendReply(c.outBuf[:0], id)
		c.inLen = copy(c.in[:], c.in[i+1:c.inLen])
		if s.cfg.onRequest != nil {
			s.cfg.onRequest()
		}
		if s.cfg.delay > 0 {
			// Stop reading until the reply is out: one request at a time
			// per connection, as in the goroutine server.
			c.state = stateWaiting
			if s.want(c, 0) {
				s.timers.set(c, s.now()+s.cfg.delay)
			}
			return
		}
		if !s.write(c) {
			return
		}
	}
}

// write sends what is left of c's reply. It reports whether c is back to
// reading with its reply sent in full.
func (s *epollServer) write(c *econn) bool {
	// The Go runtime ignores SIGPIPE for descriptors other than stdout and
	// stderr, so writing to a vanished client just returns EPIPE.
	n, err := syscall.Write(c.fd, c.out)
	switch {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		n = 0
	case err != nil:
		s.closeConn(c, reasonBroken)
		return false
	}
	c.out = c.out[n:]
	if len(c.out) > 0 {
		c.state = stateWriting
		if s.want(c, syscall.EPOLLOUT) {
			s.timers.set(c, s.now()+s.cfg.idle)
		}
		return false
	}
	s.served.Add(1)
	c.state = stateReading
	if !s.want(c, syscall.EPOLLIN) {
		return false
	}
	s.timers.set(c, s.now()+s.cfg.idle)
	return true
}

// fireDue acts on every deadline that has passed: a reply that is due is
// sent, a connection that has been idle too long is dropped.
func (s *epollServer) fireDue() {
	now := s.now()
	if s.acceptPaused && now >= s.resumeAccept {
		s.resume()
	}
	// Every action below sets a deadline after now or closes the
	// connection, so this loop ends.
	for {
		c, ok := s.timers.due(now)
		if !ok {
			return
		}
		switch c.state {
		case stateWaiting:
			if s.write(c) {
				s.handleInput(c)
			}
		default:
			s.closeConn(c, reasonIdle)
		}
	}
}

func (s *epollServer) closeConn(c *econn, reason closeReason) {
	s.timers.remove(c)
	// Closing the descriptor also takes it out of the epoll set.
	syscall.Close(c.fd)
	s.conns[c.fd] = nil
	s.tell(c, reason)
	s.resume()
}

// tell passes a closed connection to serverConfig.onClose.
func (s *epollServer) tell(c *econn, reason closeReason) {
	if s.cfg.onClose != nil {
		peer := netip.AddrPortFrom(netip.AddrFrom4(c.peerIP), c.peerPort)
		s.cfg.onClose(peer.String(), reason)
	}
}
