package guard

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrCut is what [Ticket.Wait] returns when the guard cut the connection to
// make room for newer ones.
var ErrCut = errors.New("cut to make room for newer connections")

// ticketState is where a connection is in the guard's eyes.
type ticketState uint8

const (
	waiting ticketState = iota // admitted, has not proved the key
	wasCut                     // cut by the guard to make room
	passed                     // proved the key
	done                       // gone
)

// Ticket is one admitted connection. Its methods are safe for concurrent
// use, and Done must be called when the connection is gone, whatever
// happened to it.
type Ticket struct {
	g     *Guard
	conn  io.Closer
	from  string // the remote address, as log lines show it
	a     *addrState
	cutCh chan struct{} // closed when the guard cut the connection

	// guarded by g.mu
	state    ticketState
	all, own *list.Element
}

// Wait returns when the connection may start its handshake: at once, unless
// its address has failed too often lately; then it waits its turn. It
// returns [ErrCut] if the guard cuts the connection meanwhile, or ctx's
// error.
func (t *Ticket) Wait(ctx context.Context) error {
	g := t.g
	for {
		g.mu.Lock()
		if t.state == wasCut {
			g.mu.Unlock()
			return ErrCut
		}
		a, now := t.a, time.Now()
		if a.failures < g.cfg.FreeFailures {
			g.mu.Unlock()
			return nil
		}
		if !now.Before(a.turn) {
			// Take the turn, and make the next one wait whatever this one
			// turns out to be: a guesser's parallel connections line up.
			a.turn = now.Add(g.delay(a.failures))
			g.mu.Unlock()
			return nil
		}
		timer := time.NewTimer(a.turn.Sub(now))
		g.mu.Unlock()
		select {
		case <-timer.C:
		case <-t.cutCh:
			timer.Stop()
			return ErrCut
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
}

// Cut says whether the guard cut the connection to make room.
func (t *Ticket) Cut() bool {
	select {
	case <-t.cutCh:
		return true
	default:
		return false
	}
}

// Passed says that the connection proved the key: it leaves the waiting
// room, and its address's failures are forgotten. It returns false if the
// guard has cut the connection already.
func (t *Ticket) Passed() bool {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.state != waiting {
		return false
	}
	g.removeLocked(t)
	t.state = passed
	g.authed++
	a := t.a
	a.failures, a.logged, a.turn = 0, 0, time.Time{}
	g.dropAddrLocked(a)
	return true
}

// Refused says that the handshake failed for reason. failed is true when
// the failure counts against the address: a wrong key, or a peer that does
// not speak the protocol; a peer that merely timed out or hung up is not
// slowed down for it. The refusal is logged, unless the address has been
// logged often enough lately.
func (t *Ticket) Refused(reason error, failed bool) {
	g := t.g
	now := time.Now()
	g.mu.Lock()
	a := t.a
	g.forgetLocked(a, now)
	if failed {
		a.failures++
		a.lastFailure = now
	}
	line := fmt.Sprintf("refused %s: %v", t.from, reason)
	switch {
	case a.logged+1 == logBudget:
		line += fmt.Sprintf("; more refusals from %s are counted, not logged", a.key)
	case a.logged >= logBudget:
		line = ""
		g.unlogged++
	case failed && a.failures == g.cfg.FreeFailures:
		line += fmt.Sprintf("; handshakes from %s now wait their turn (%v apart, doubling with each failure up to %v)",
			a.key, g.delay(a.failures), g.cfg.MaxDelay)
	}
	a.logged++
	g.mu.Unlock()
	if line != "" {
		g.cfg.Logf("%s", line)
	}
}

// Done says that the connection is gone. Calling it twice is harmless.
func (t *Ticket) Done() {
	g := t.g
	g.mu.Lock()
	defer g.mu.Unlock()
	switch t.state {
	case waiting:
		g.removeLocked(t)
	case passed:
		g.authed--
	}
	t.state = done
}
