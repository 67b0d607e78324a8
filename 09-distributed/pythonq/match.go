package pythonq

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"multitask/09-distributed/taskq"
)

// matcher ties the results Python workers put to the tasks they answer.
// Python's queues carry bare values, so a result has no task ID: it is the
// text task_worker.py makes, "n * n = m". The matcher keeps every task
// handed out and not yet answered, in the order handed out, and gives a
// result to the oldest of them with the number the result starts with,
// through the session holding it, so that the hub's rules hold: one result
// per task, and a task whose worker left goes to another.
type matcher struct {
	logf func(format string, args ...any)

	mu      sync.Mutex
	pending []handedOut // oldest first
	// unnumbered and unmatched say whether a result that names no number,
	// or no task handed out, was logged already: once each is enough.
	unnumbered, unmatched bool
}

type handedOut struct {
	session *taskq.Session
	task    taskq.Task
}

func newMatcher(logf func(format string, args ...any)) *matcher {
	return &matcher{logf: logf}
}

// handedOut records that task went to session.
func (m *matcher) handedOut(session *taskq.Session, task taskq.Task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append(m.pending, handedOut{session: session, task: task})
}

// forget drops the tasks of a session that ended: the hub puts them back,
// and hands them out again with a new record.
func (m *matcher) forget(session *taskq.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = slices.DeleteFunc(m.pending, func(h handedOut) bool { return h.session == session })
}

// answer gives the result item, put by the worker at from, to its task.
// A result that starts with no number goes to the oldest task handed out;
// one whose number matches no task handed out is dropped, with a line in
// the log: the master never saw it.
func (m *matcher) answer(from string, item any) {
	text, ok := item.(string)
	if !ok {
		text = fmt.Sprint(item)
	}
	n, numbered, fits := leadingNumber(text)
	m.mu.Lock()
	// The oldest of the tasks with that number whose session still holds
	// it; if none does, the oldest of them, so that the hub counts the
	// result as late or second and drops it.
	var tries []handedOut
	for _, h := range m.pending {
		if !numbered || fits && h.task.N == n {
			tries = append(tries, h)
		}
	}
	slices.SortStableFunc(tries, func(a, b handedOut) int {
		return cmp.Compare(holdRank(a), holdRank(b))
	})
	logUnnumbered := !numbered && !m.unnumbered
	m.unnumbered = m.unnumbered || !numbered
	m.mu.Unlock()
	if logUnnumbered {
		m.logf("a result from %s does not start with its task's number (%q): given to the oldest task handed out; "+
			"results are matched to tasks by the number they start with", from, clip(text))
	}
	for _, h := range tries {
		err := h.session.PutResult(context.Background(), taskq.Result{TaskID: h.task.ID, Text: text})
		if err == nil || errors.Is(err, taskq.ErrClosed) {
			m.done(h)
			return
		}
		var notLeased *taskq.NotLeasedError
		if !errors.As(err, &notLeased) {
			m.done(h)
			return
		}
	}
	m.mu.Lock()
	logUnmatched := !m.unmatched
	m.unmatched = true
	m.mu.Unlock()
	if logUnmatched {
		m.logf("a result from %s matches no task handed out and not answered (%q): dropped", from, clip(text))
	}
}

// holdRank puts the records whose session holds the task first.
func holdRank(h handedOut) int {
	if h.session.Holds(h.task.ID) {
		return 0
	}
	return 1
}

func (m *matcher) done(h handedOut) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, p := range m.pending {
		if p == h {
			m.pending = append(m.pending[:i], m.pending[i+1:]...)
			return
		}
	}
}

// leadingNumber reads the integer a result starts with: task_worker.py's
// "n * n = m" starts with n. numbered says whether it starts with one at
// all, fits whether that one fits an int: a number too long for one is
// still a number, and names no task.
func leadingNumber(s string) (n int, numbered, fits bool) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && s[end] == '-') {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil || errors.Is(err, strconv.ErrRange), err == nil
}

// clip keeps a worker's text short in a log line.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
