package taskq

import (
	"context"
	"time"
)

// waitLocked returns the channel that the next wake-up will close, making it
// if nobody waits yet. The hub's lock must be held.
func waitLocked(ch *chan struct{}) <-chan struct{} {
	if *ch == nil {
		*ch = make(chan struct{})
	}
	return *ch
}

// wakeLocked wakes everyone waiting on ch. The hub's lock must be held.
func wakeLocked(ch *chan struct{}) {
	if *ch != nil {
		close(*ch)
		*ch = nil
	}
}

// waiter spreads one timeout over the several waits of one call: a waiter
// woken for a task that someone else took first waits again, but only for
// what is left of its timeout.
type waiter struct {
	timer *time.Timer
}

// wait blocks until wake is closed (woken is true), the timeout passes
// (false, nil), ctx ends (false, its error) or stop is closed (false,
// ErrClosed). A timeout of zero or less does not wait at all.
func (w *waiter) wait(ctx context.Context, timeout time.Duration, wake, stop <-chan struct{}) (woken bool, err error) {
	if w.timer == nil {
		if timeout <= 0 {
			return false, nil
		}
		w.timer = time.NewTimer(timeout)
	}
	select {
	case <-wake:
		return true, nil
	case <-w.timer.C:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	case <-stop:
		return false, ErrClosed
	}
}

// stop releases the timer.
func (w *waiter) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}
