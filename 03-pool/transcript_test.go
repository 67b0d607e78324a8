package main

import (
	"cmp"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The lines a run prints, as regular expressions.
var (
	parentLine = regexp.MustCompile(`^Parent process (\d+)\.$`)
	runLine    = regexp.MustCompile(`^Run task (\d+) \((\d+)\)\.\.\.$`)
	runsLine   = regexp.MustCompile(`^Task (\d+) runs (\d+\.\d\d) seconds\.$`)
	failedLine = regexp.MustCompile(`^Task (\d+) failed: (.+)$`)
	notRunLine = regexp.MustCompile(`^Task (\d+) was not run: (.+)$`)
)

// transcript is what a run printed, parsed.
type transcript struct {
	parentPID int
	pidOf     map[int]int     // the PID each started task's Run line shows
	seconds   map[int]float64 // what "Task N runs X seconds." says, for tasks that succeeded
	failed    map[int]string  // why each failed task failed, or "not run: why"
	most      int             // the most tasks between their Run line and their end line at once
	notes     []string        // the lines after "--- Go notes ---"
	hasNotes  bool            // whether that line was there (not with -tutorial-only)
	waitingAt int             // the index of the line "Waiting for all subprocesses done..."
}

// parseTranscript parses out and checks its shape: the tutorial's first
// line, one Run line at most and exactly one end line per task, the Run line
// before the end line, the Waiting line once, then "All subprocesses done."
// and the Go notes, unless -tutorial-only left them out. The Waiting line
// comes second in goroutine mode; in process mode, as in Python, a worker may
// already have started a task before the parent prints it.
//
// It also counts how many tasks are running at each line, so a test can
// check the pool's limit from the output a user sees. Each task prints its
// Run line while it holds its place in the pool, and its end line before it
// gives the place back, so this count is never above the number of places
// in use: if it exceeds -workers, the pool let too many run.
func parseTranscript(t *testing.T, out string, tasks int) transcript {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 4, "output:\n%s", out)
	tr := transcript{pidOf: map[int]int{}, seconds: map[int]float64{}, failed: map[int]string{}}
	m := parentLine.FindStringSubmatch(lines[0])
	require.NotNil(t, m, "first line %q", lines[0])
	tr.parentPID = atoi(t, m[1])

	running := map[int]bool{}
	ended := func(task int) bool {
		_, ok := tr.seconds[task]
		_, failed := tr.failed[task]
		return ok || failed
	}
	i := 1
	for ; i < len(lines) && lines[i] != "All subprocesses done."; i++ {
		line := lines[i]
		if line == "Waiting for all subprocesses done..." {
			require.Zero(t, tr.waitingAt, "a second Waiting line:\n%s", out)
			tr.waitingAt = i
		} else if m := runLine.FindStringSubmatch(line); m != nil {
			task := atoi(t, m[1])
			_, again := tr.pidOf[task]
			require.False(t, again, "task %d started twice:\n%s", task, out)
			require.False(t, ended(task), "task %d started after it ended:\n%s", task, out)
			tr.pidOf[task] = atoi(t, m[2])
			running[task] = true
			tr.most = max(tr.most, len(running))
		} else if m := runsLine.FindStringSubmatch(line); m != nil {
			task := atoi(t, m[1])
			require.True(t, running[task], "task %d ran without a Run line before:\n%s", task, out)
			delete(running, task)
			tr.seconds[task], _ = strconv.ParseFloat(m[2], 64)
		} else if m := failedLine.FindStringSubmatch(line); m != nil {
			task := atoi(t, m[1])
			require.False(t, ended(task), "task %d ended twice:\n%s", task, out)
			// A task whose worker process died before it said "started"
			// fails without a Run line.
			delete(running, task)
			tr.failed[task] = m[2]
		} else if m := notRunLine.FindStringSubmatch(line); m != nil {
			task := atoi(t, m[1])
			require.False(t, ended(task) || running[task], "task %d not run after it started:\n%s", task, out)
			tr.failed[task] = "not run: " + m[2]
		} else if !strings.HasPrefix(line, "Pool: ") {
			require.Failf(t, "unexpected line", "line %d: %q in\n%s", i+1, line, out)
		}
	}
	require.NotZero(t, tr.waitingAt, "no Waiting line:\n%s", out)
	require.Less(t, i, len(lines), "no \"All subprocesses done.\":\n%s", out)
	if i+1 < len(lines) {
		require.Equal(t, "--- Go notes ---", lines[i+1], "after \"All subprocesses done.\"")
		tr.hasNotes, tr.notes = true, lines[i+2:]
	}
	require.Empty(t, running, "tasks still running at the end:\n%s", out)
	for task := range tasks {
		require.True(t, ended(task), "task %d has no end line; it was lost:\n%s", task, out)
	}
	require.Len(t, tr.seconds, tasks-len(tr.failed), "a line for a task that does not exist:\n%s", out)
	return tr
}

// pids lists the distinct PIDs the Run lines show.
func (tr transcript) pids() []int {
	var pids []int
	for _, pid := range tr.pidOf {
		if !slices.Contains(pids, pid) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// interval is when one task ran, by the clock of the process that ran it.
type interval struct {
	task       int
	pid        int
	start, end time.Time
}

// intervals pairs each task's start and end events. A task that ended without
// starting (its worker died first) has none.
func intervals(t *testing.T, events []event) []interval {
	t.Helper()
	started := map[int]event{}
	var list []interval
	for _, e := range events {
		if e.Started {
			started[e.Task] = e
			continue
		}
		s, ok := started[e.Task]
		if !ok {
			continue
		}
		require.Equal(t, s.PID, e.PID, "task %d started and ended in different processes", e.Task)
		require.False(t, e.At.Before(s.At), "task %d ended before it started", e.Task)
		list = append(list, interval{task: e.Task, pid: e.PID, start: s.At, end: e.At})
	}
	return list
}

// mostOverlapping is the most intervals that hold one instant. An interval
// that ends at the instant another starts does not overlap it.
func mostOverlapping(list []interval) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, iv := range list {
		edges = append(edges, edge{iv.start, +1}, edge{iv.end, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.delta, b.delta)) // ends first
	})
	most, now := 0, 0
	for _, e := range edges {
		now += e.delta
		most = max(most, now)
	}
	return most
}

// The checks above must be able to fail, or the tests that use them prove
// nothing. These feed them a pool that broke its limit.
func TestChecksSeeTooManyTasksAtOnce(t *testing.T) {
	broken := strings.Join([]string{
		"Parent process 10.",
		"Waiting for all subprocesses done...",
		"Run task 0 (11)...",
		"Run task 1 (12)...",
		"Task 0 runs 0.50 seconds.",
		"Run task 2 (11)...",
		"Run task 3 (13)...", // a third task while two run: too many for -workers 2
		"Task 1 runs 1.00 seconds.",
		"Task 2 runs 0.70 seconds.",
		"Task 3 failed: planned failure (-fail 3)",
		"All subprocesses done.",
		"--- Go notes ---",
	}, "\n")
	tr := parseTranscript(t, broken, 4)
	assert.Equal(t, 3, tr.most)
	assert.Equal(t, []int{11, 12, 13}, tr.pids())
	assert.Equal(t, map[int]string{3: "planned failure (-fail 3)"}, tr.failed)

	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	assert.Equal(t, 3, mostOverlapping([]interval{
		{0, 11, at(0), at(500)}, {1, 12, at(0), at(1000)}, {2, 11, at(500), at(1200)}, {3, 13, at(600), at(700)},
	}))
	assert.Equal(t, 1, mostOverlapping([]interval{
		{0, 11, at(0), at(500)}, {1, 11, at(500), at(800)},
	}), "a task that starts when another ends does not overlap it")
}

// requireExited fails the test if process pid still exists, running or not
// yet waited for: a pool must leave no child behind.
func requireExited(t *testing.T, pid int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // Windows has no signal 0 to ask with
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return // on Unix FindProcess fails only for a process that is gone
	}
	defer p.Release()
	// Signal 0 checks that the process exists without touching it.
	assert.ErrorIs(t, p.Signal(syscall.Signal(0)), os.ErrProcessDone, "process %d is still there", pid)
}
