package taskq

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
	Unknown    int // results refused because their task was never put
	PutBack    int // tasks put back because their worker left without answering
	Sessions   int // worker sessions opened
}

// Hub holds the task queue and the result queue in the master's process.
// The master uses it directly as its [Master]; each worker gets a [Session]
// from [Hub.Connect], usually inside a transport's server. A Hub is safe for
// concurrent use.
type Hub struct {
	logf func(format string, args ...any)

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
// each time a worker connects, leaves tasks behind, or sends a result that is
// dropped or refused.
func NewHub(logf func(format string, args ...any)) *Hub {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Hub{logf: logf, entries: make(map[uint64]*entry)}
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
		hub:    h,
		name:   fmt.Sprintf("connection #%d", h.sessions),
		leased: make(map[uint64]*entry),
		done:   make(chan struct{}),
	}
	h.mu.Unlock()
	if from != "" {
		h.logf("worker connected from %s (%s)", from, s.name)
	}
	return s
}

// Session is one worker's view of a [Hub]: the tasks it takes are leased to
// it until their results come back or the session is closed. It implements
// [Worker] for a worker in the master's own process; a transport's server
// calls its batch methods on behalf of a remote worker.
type Session struct {
	hub    *Hub
	name   string
	leased map[uint64]*entry // guarded by hub.mu
	closed bool              // guarded by hub.mu
	done   chan struct{}     // closed by Close, to wake this session's waits
}

// Name is how the hub's log lines call this session: "connection #N".
func (s *Session) Name() string { return s.name }

// GetTasks takes up to n tasks, waiting up to timeout for the first one.
// An empty result with a nil error means the queue stayed empty. Each task
// is leased to s until its result comes back.
func (s *Session) GetTasks(ctx context.Context, n int, timeout time.Duration) ([]Task, error) {
	n = min(max(n, 1), maxLease)
	h := s.hub
	var w waiter
	defer w.stop()
	for {
		h.mu.Lock()
		if h.closed || s.closed {
			h.mu.Unlock()
			return nil, ErrClosed
		}
		if tasks := s.leaseLocked(n); len(tasks) > 0 {
			h.mu.Unlock()
			return tasks, nil
		}
		wake := waitLocked(&h.taskWake)
		h.mu.Unlock()
		if woken, err := w.wait(ctx, timeout, wake, s.done); !woken {
			return nil, err
		}
	}
}

// maxLease bounds how many tasks one call may take, so that a worker asking
// for more than it can do cannot starve the others.
const maxLease = 1024

// leaseLocked moves up to n queued tasks to s.
func (s *Session) leaseLocked(n int) []Task {
	h := s.hub
	var tasks []Task
	for len(tasks) < n {
		e, ok := h.queue.pop()
		if !ok {
			break
		}
		if e.state != queued {
			continue // answered by someone else while it waited here
		}
		e.state, e.holder = leased, s
		s.leased[e.task.ID] = e
		tasks = append(tasks, e.task)
	}
	return tasks
}

// PutResults hands in results. A result whose task already has one is
// dropped; results for tasks that were never put are refused with an
// [*UnknownTaskError] after the others were kept.
func (s *Session) PutResults(_ context.Context, rs []Result) error {
	h := s.hub
	var unknown, dups []uint64
	h.mu.Lock()
	if h.closed || s.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	kept := 0
	for _, r := range rs {
		e := h.entries[r.TaskID]
		switch {
		case e == nil:
			unknown = append(unknown, r.TaskID)
			continue
		case e.state == done:
			dups = append(dups, r.TaskID)
			continue
		case e.state == leased:
			// Usually the lease is s's own; if the task went back to the queue
			// and another worker holds it now, that worker's result will be the
			// duplicate.
			delete(e.holder.leased, r.TaskID)
		}
		e.state, e.holder = done, nil
		h.results.push(r)
		kept++
	}
	h.stats.Results += kept
	h.stats.Duplicates += len(dups)
	h.stats.Unknown += len(unknown)
	if kept > 0 {
		wakeLocked(&h.resultWake)
	}
	h.mu.Unlock()

	if len(dups) > 0 {
		h.logf("%s sent a second result for %s; dropped", s.name, idList("task", dups))
	}
	if len(unknown) > 0 {
		h.logf("%s sent a result for %s; refused", s.name, idList("unknown task", unknown))
		return &UnknownTaskError{IDs: unknown}
	}
	return nil
}

// GetTask takes one task; see [Session.GetTasks].
func (s *Session) GetTask(ctx context.Context, timeout time.Duration) (Task, bool, error) {
	tasks, err := s.GetTasks(ctx, 1, timeout)
	if err != nil || len(tasks) == 0 {
		return Task{}, false, err
	}
	return tasks[0], true, nil
}

// PutResult hands in one result; see [Session.PutResults].
func (s *Session) PutResult(ctx context.Context, r Result) error {
	return s.PutResults(ctx, []Result{r})
}

// Close ends the session: tasks it holds without a result go back to the
// queue, and its waiting calls return [ErrClosed]. Closing twice is harmless.
func (s *Session) Close() error {
	h := s.hub
	h.mu.Lock()
	if s.closed {
		h.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	back := make([]*entry, 0, len(s.leased))
	for _, e := range s.leased {
		back = append(back, e)
	}
	// Map order is random; put the tasks back in the order they were put.
	slices.SortFunc(back, func(a, b *entry) int { return cmp.Compare(a.task.ID, b.task.ID) })
	for _, e := range back {
		e.state, e.holder = queued, nil
		h.queue.push(e)
	}
	clear(s.leased)
	h.stats.PutBack += len(back)
	if len(back) > 0 {
		wakeLocked(&h.taskWake)
	}
	h.mu.Unlock()

	if len(back) > 0 {
		h.logf("%s closed without answering %s; put back in the queue", s.name, taskList(back))
	}
	return nil
}

// idList writes "task 3" or "tasks 3, 4, 9", shortened after a few IDs.
func idList(noun string, ids []uint64) string {
	parts := make([]string, 0, min(len(ids), listMax))
	for _, id := range ids[:min(len(ids), listMax)] {
		parts = append(parts, fmt.Sprint(id))
	}
	return plural(noun, len(ids)) + " " + strings.Join(parts, ", ") + more(len(ids))
}

// taskList writes "task 3 (n=4711)" or several of them.
func taskList(es []*entry) string {
	parts := make([]string, 0, min(len(es), listMax))
	for _, e := range es[:min(len(es), listMax)] {
		parts = append(parts, fmt.Sprintf("%d (n=%d)", e.task.ID, e.task.N))
	}
	return plural("task", len(es)) + " " + strings.Join(parts, ", ") + more(len(es))
}

// listMax is how many IDs a log line lists before it says "and N more".
const listMax = 5

func plural(noun string, n int) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

func more(n int) string {
	if n <= listMax {
		return ""
	}
	return fmt.Sprintf(" and %d more", n-listMax)
}
