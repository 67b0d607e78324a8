package taskq

import "time"

// Leases with a deadline. A task leased to a session goes back to the queue
// when the session ends; with [LeaseFor] it also goes back when the session
// shows no sign of life for the lease's length, so that a worker that is
// alive on the network but makes no progress (stopped with kill -STOP, a
// frozen machine, a hung process) cannot sit on tasks until the master
// gives up. Every call of a session renews all of its leases, and so does
// [Session.Renew], which a transport calls for a worker's heartbeat. When
// the stopped worker wakes up, its late results are dropped: the task has
// gone to another worker, whose result is the one that counts.
//
// One deadline covers all of a session's leases, and one timer per session
// watches it, started when the session takes tasks and re-armed only when
// it fires early: a renewal just moves the deadline, so renewing costs no
// timer operation.

// Lease is how long a session's leases last without a sign of life, or 0 if
// they last as long as the session.
func (s *Session) Lease() time.Duration { return s.hub.lease }

// Renew says the session's worker is alive: the tasks it holds stay leased
// to it for another lease's length. It returns [ErrClosed] once the hub or
// the session is closed.
func (s *Session) Renew() error {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || s.closed {
		return ErrClosed
	}
	s.renewLocked()
	return nil
}

// renewLocked moves the deadline of s's leases a lease's length ahead, and
// starts the timer that watches it if s holds tasks.
func (s *Session) renewLocked() {
	lease := s.hub.lease
	if lease <= 0 {
		return
	}
	s.until = time.Now().Add(lease)
	if len(s.leased) > 0 && s.timer == nil {
		s.timer = time.AfterFunc(lease, s.checkLease)
	}
}

// checkLease runs when s's deadline may have passed: it waits again if the
// lease was renewed meanwhile, and otherwise puts back every task s holds.
func (s *Session) checkLease() {
	h := s.hub
	h.mu.Lock()
	s.timer = nil
	if s.closed || len(s.leased) == 0 {
		h.mu.Unlock()
		return
	}
	if left := time.Until(s.until); left > 0 {
		s.timer = time.AfterFunc(left, s.checkLease)
		h.mu.Unlock()
		return
	}
	back := s.putBackLocked()
	for _, e := range back {
		s.expired[e.task.ID] = true
	}
	h.stats.Expired += len(back)
	h.mu.Unlock()

	// Say so before anyone waiting can take the tasks, so that the log
	// shows cause before effect.
	h.logf("%s gave no sign of life for %v: its lease on %s ran out; put back in the queue", s.name, h.lease, taskList(back))
	h.mu.Lock()
	wakeLocked(&h.taskWake)
	h.mu.Unlock()
}
