package taskq

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// state is where a task is in its life.
type state uint8

const (
	queued state = iota // waiting in the queue
	leased              // taken by a session, no result yet
	done                // its result is in
)

// entry is the hub's record of one task.
type entry struct {
	task   Task
	state  state
	holder *Session // the session holding the lease while state == leased
}

// Stats counts what a hub has seen.
type Stats struct {
	Tasks      int // tasks put
	Results    int // results kept, one per task at most
	Duplicates int // results dropped because their task already had one
	Late       int // results dropped because their lease had run out
	Unknown    int // results refused because their task was never put
	NotLeased  int // results refused because the sender did not hold the task
	PutBack    int // tasks put back because their worker left without answering
	Expired    int // tasks put back because their lease ran out
	Sessions   int // worker sessions opened
}

// Hub holds the task queue and the result queue in the master's process.
// The master uses it directly as its [Master]; each worker gets a [Session]
// from [Hub.Connect], usually inside a transport's server. A Hub is safe for
// concurrent use.
type Hub struct {
	logf  func(format string, args ...any)
	lease time.Duration // 0: leases last as long as their session

	mu      sync.Mutex
	entries map[uint64]*entry
	queue   fifo[*entry] // queued tasks; an entry answered meanwhile is skipped
	results fifo[Result]
	// taskWake and resultWake are closed to wake everyone waiting for a task
	// or a result. They are made only when someone waits, so a busy hub does
	// not allocate a channel per task.
	taskWake   chan struct{}
	resultWake chan struct{}
	closed     bool
	sessions   int
	stats      Stats
}

// NewHub returns an empty, open hub. logf, if not nil, is told in one line
// each time a worker connects, leaves tasks behind or lets a lease run out,
// and the first time a session sends a result that is dropped or refused.
func NewHub(logf func(format string, args ...any), opts ...Option) *Hub {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	h := &Hub{logf: logf, entries: make(map[uint64]*entry)}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Option tunes a [Hub].
type Option func(*Hub)

// LeaseFor gives every lease a deadline: a session that shows no sign of
// life for d (no call, no [Session.Renew]) loses the tasks it holds, which
// go back to the queue for others. Without it, a lease lasts as long as its
// session.
func LeaseFor(d time.Duration) Option {
	return func(h *Hub) { h.lease = max(d, 0) }
}

// PutTask adds t to the task queue. A second task with the same ID is
// refused, because results are matched to tasks by ID.
func (h *Hub) PutTask(_ context.Context, t Task) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if _, dup := h.entries[t.ID]; dup {
		return fmt.Errorf("task %d was already put", t.ID)
	}
	e := &entry{task: t}
	h.entries[t.ID] = e
	h.queue.push(e)
	h.stats.Tasks++
	wakeLocked(&h.taskWake)
	return nil
}

// GetResult waits up to timeout for the next result; ok is false if none
// came. After [Hub.Close] it returns [ErrClosed].
func (h *Hub) GetResult(ctx context.Context, timeout time.Duration) (Result, bool, error) {
	var w waiter
	defer w.stop()
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return Result{}, false, ErrClosed
		}
		if r, ok := h.results.pop(); ok {
			h.mu.Unlock()
			return r, true, nil
		}
		wake := waitLocked(&h.resultWake)
		h.mu.Unlock()
		if woken, err := w.wait(ctx, timeout, wake, nil); !woken {
			return Result{}, false, err
		}
	}
}

// Close closes the queues: every waiting and later call returns
// [ErrClosed]. Tasks without a result are dropped with the hub.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	wakeLocked(&h.taskWake)
	wakeLocked(&h.resultWake)
}

// Sizes returns how many tasks wait in the task queue and how many results
// in the result queue: what Python's Queue.qsize says of each. Counting the
// tasks walks them all, so it is for the odd question, not for every call.
func (h *Hub) Sizes() (tasks, results int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.entries {
		if e.state == queued {
			tasks++
		}
	}
	return tasks, len(h.results.items) - h.results.head
}

// Stats returns the counts so far.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Connect opens a session for one worker; from says where it is (a network
// address, or "" to log nothing). The caller must Close the session when the
// worker is gone, so that the tasks it still holds are put back.
func (h *Hub) Connect(from string) *Session {
	h.mu.Lock()
	h.sessions++
	h.stats.Sessions++
	s := &Session{
		hub:     h,
		name:    fmt.Sprintf("connection #%d", h.sessions),
		leased:  make(map[uint64]*entry),
		expired: make(map[uint64]bool),
		done:    make(chan struct{}),
	}
	h.mu.Unlock()
	if from != "" {
		h.logf("worker connected from %s (%s)", from, s.name)
	}
	return s
}
