package guard

import (
	"errors"
	"net"
	"sync"
)

// Conns is a listening server's record of its open connections, from
// accept to close: those still before the handshake, and those that passed
// it. A server closes the first kind at once when it closes, and gives the
// second a grace to hear that the work is over. It is safe for concurrent
// use; the zero value is not, use [NewConns].
type Conns struct {
	mu      sync.Mutex
	open    map[net.Conn]bool // true once past the handshake
	closing bool
}

// ErrClosing refuses a handshake that passes while the server closes.
var ErrClosing = errors.New("the server is closing")

// NewConns returns an empty record.
func NewConns() *Conns { return &Conns{open: make(map[net.Conn]bool)} }

// Track registers a freshly accepted c, unless the server is closing: it is
// the track of [Guard.Serve].
func (s *Conns) Track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.open[c] = false
	return true
}

// Untrack closes c and forgets it.
func (s *Conns) Untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
	_ = c.Close()
}

// Pass marks c as past its handshake, unless the server is closing
// ([ErrClosing]) or the guard cut c to make room ([ErrCut]). A server calls
// it before the worker hears that it may come in, so that a worker whose
// dial returned is always one that the close gives its grace to.
func (s *Conns) Pass(c net.Conn, t *Ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosing
	}
	if !t.Passed() {
		return ErrCut
	}
	s.open[c] = true
	return nil
}

// Closing says whether Close has begun.
func (s *Conns) Closing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Close begins the server's close: later connections are refused, and those
// still before their handshake are closed. It returns false if the close
// had begun already.
func (s *Conns) Close() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.closing = true
	for c, passed := range s.open {
		if !passed {
			_ = c.Close()
		}
	}
	return true
}

// CutAll closes every connection still open: the end of the grace.
func (s *Conns) CutAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.open {
		_ = c.Close()
	}
}
