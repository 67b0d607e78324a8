package taskq

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Session is one worker's view of a [Hub]: the tasks it takes are leased to
// it until their results come back, the session is closed, or (with
// [LeaseFor]) it shows no sign of life for a lease's length. It implements
// [Worker] for a worker in the master's own process; a transport's server
// calls its batch methods on behalf of a remote worker.
type Session struct {
	hub  *Hub
	name string
	done chan struct{} // closed by Close, to wake this session's waits

	// guarded by hub.mu
	leased  map[uint64]*entry // the tasks it holds
	expired map[uint64]bool   // the tasks it lost when its lease ran out
	until   time.Time         // its leases run out then, unless renewed
	timer   *time.Timer       // checks until, while leased is not empty
	closed  bool
	dups    tally // results dropped: their task had one already
	late    tally // results dropped: their lease had run out
	refused tally // results refused: unknown task, or not this session's
}

// tally lets a session's log say a kind of thing once: the first time in
// full, later times only counted, and the count said when the session ends.
// A worker that holds the key can send a million bad results; the master's
// log should not grow by a million lines.
type tally struct {
	seen bool
	more int
}

// first records n more events and says whether they are the first.
func (t *tally) first(n int) bool {
	if !t.seen {
		t.seen = true
		return true
	}
	t.more += n
	return false
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
		delete(s.expired, e.task.ID)
		tasks = append(tasks, e.task)
	}
	if len(tasks) > 0 {
		s.renewLocked()
	}
	return tasks
}

// PutResults hands in results. Only the session that holds a task's lease
// may answer it: a result from it is kept; a second result for a task that
// has one is dropped; so is a late result, for a task this session lost
// when its lease ran out (the task went to someone else). Results for tasks
// that were never put, or that this session does not hold and never held,
// are refused: after the others were kept, the error lists them, as an
// [*UnknownTaskError] or a [*NotLeasedError].
func (s *Session) PutResults(_ context.Context, rs []Result) error {
	h := s.hub
	var unknown, notLeased, dups, late []uint64
	h.mu.Lock()
	if h.closed || s.closed {
		h.mu.Unlock()
		return ErrClosed
	}
	s.renewLocked()
	kept := 0
	for _, r := range rs {
		e := h.entries[r.TaskID]
		switch {
		case e == nil:
			unknown = append(unknown, r.TaskID)
			continue
		case e.state == leased && e.holder == s:
			delete(s.leased, r.TaskID)
		case s.expired[r.TaskID]:
			// It was ours until the lease ran out: a worker that was stopped,
			// or too slow to renew, has woken up. Whoever holds the task now
			// answers it, or has already.
			delete(s.expired, r.TaskID)
			late = append(late, r.TaskID)
			continue
		case e.state == done:
			dups = append(dups, r.TaskID)
			continue
		default:
			// Queued, or leased to another worker: this one never had it.
			notLeased = append(notLeased, r.TaskID)
			continue
		}
		e.state, e.holder = done, nil
		h.results.push(r)
		kept++
	}
	h.stats.Results += kept
	h.stats.Duplicates += len(dups)
	h.stats.Late += len(late)
	h.stats.Unknown += len(unknown)
	h.stats.NotLeased += len(notLeased)
	if kept > 0 {
		wakeLocked(&h.resultWake)
	}
	var lines []string
	if len(dups) > 0 && s.dups.first(len(dups)) {
		lines = append(lines, fmt.Sprintf("%s sent a second result for %s; dropped", s.name, idList("task", dups)))
	}
	if len(late) > 0 && s.late.first(len(late)) {
		lines = append(lines, fmt.Sprintf("%s sent a late result for %s, after its lease ran out; dropped", s.name, idList("task", late)))
	}
	if bad := len(unknown) + len(notLeased); bad > 0 && s.refused.first(bad) {
		if len(unknown) > 0 {
			lines = append(lines, fmt.Sprintf("%s sent a result for %s; refused", s.name, idList("unknown task", unknown)))
		}
		if len(notLeased) > 0 {
			lines = append(lines, fmt.Sprintf("%s sent a result for %s, not leased to it; refused", s.name, idList("task", notLeased)))
		}
	}
	h.mu.Unlock()

	for _, line := range lines {
		h.logf("%s", line)
	}
	switch {
	case len(unknown) > 0:
		return &UnknownTaskError{IDs: unknown}
	case len(notLeased) > 0:
		return &NotLeasedError{IDs: notLeased}
	}
	return nil
}

// Holds says whether the task with this ID is leased to s now: taken by
// it, not answered, and its lease not run out.
func (s *Session) Holds(id uint64) bool {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	_, ok := s.leased[id]
	return ok
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
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	back := s.putBackLocked()
	if len(back) > 0 {
		wakeLocked(&h.taskWake)
	}
	h.stats.PutBack += len(back)
	clear(s.expired)
	var lines []string
	for _, c := range []struct {
		t    tally
		what string
	}{{s.dups, "second results"}, {s.late, "late results"}, {s.refused, "results it was not entitled to"}} {
		if c.t.more > 0 {
			lines = append(lines, fmt.Sprintf("%s sent %d more %s in all, not logged one by one", s.name, c.t.more, c.what))
		}
	}
	h.mu.Unlock()

	if len(back) > 0 {
		h.logf("%s closed without answering %s; put back in the queue", s.name, taskList(back))
	}
	for _, line := range lines {
		h.logf("%s", line)
	}
	return nil
}

// putBackLocked puts every task s holds back in the queue, in the order they
// were put, and returns them. The caller wakes the workers waiting for them.
func (s *Session) putBackLocked() []*entry {
	back := make([]*entry, 0, len(s.leased))
	for _, e := range s.leased {
		back = append(back, e)
	}
	// Map order is random; put the tasks back in the order they were put.
	slices.SortFunc(back, func(a, b *entry) int { return cmp.Compare(a.task.ID, b.task.ID) })
	for _, e := range back {
		e.state, e.holder = queued, nil
		s.hub.queue.push(e)
	}
	clear(s.leased)
	return back
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
