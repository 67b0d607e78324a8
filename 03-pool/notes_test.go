package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/clitest"
)

func TestDefaultRunIsTheProcessPool(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-max-sleep", "20ms"}))
	tr := parseTranscript(t, out.String(), 5)

	// The tutorial's point, seen in the first run: the tasks ran in worker
	// processes, not the parent, and fewer processes than tasks did them all.
	pids := tr.pids()
	assert.NotContains(t, pids, tr.parentPID, "a task ran in the parent:\n%s", out.String())
	assert.LessOrEqual(t, len(pids), 4, "more worker processes than Pool(4):\n%s", out.String())
	require.True(t, tr.hasNotes)
	assert.True(t, strings.HasPrefix(tr.notes[0], "-mode process (the default): 4 worker processes"), "notes:\n%s", out.String())
	for _, pid := range pids {
		requireExited(t, pid)
	}
}

func TestTutorialOnlyPrintsOnlyTheTutorialsLines(t *testing.T) {
	check := func(t *testing.T, out string) {
		t.Helper()
		tr := parseTranscript(t, out, 5)
		assert.False(t, tr.hasNotes, "no Go notes:\n%s", out)
		// Parent, Waiting, a Run line and an end line per task, All done.
		assert.Len(t, twinLines(out), 2+2*5+1, "only the tutorial's lines:\n%s", out)
	}
	t.Run(modeProcess, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only", "-max-sleep", "20ms"}))
		check(t, out.String())
	})
	t.Run(modeGoroutine, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only", "-mode", "goroutine"}))
			check(t, out.String())
		})
	})
}

// twinLines splits output into lines, without the last empty one.
func twinLines(out string) []string {
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

func TestOutputFitsA100ColumnTerminal(t *testing.T) {
	tests := [][]string{
		{"-max-sleep", "20ms"}, // the default run, faster
		{"-max-sleep", "20ms", "-workers", "2", "-fail", "0", "-panic", "1", "-crash", "2"},
		{"-max-sleep", "0", "-workers", "2", "-tasks", "36"},  // the widest timeline
		{"-max-sleep", "0", "-workers", "2", "-tasks", "200"}, // long lists of tasks per PID
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out bytes.Buffer
			_ = run(t.Context(), &out, args) // some of them fail on purpose
			require.Contains(t, out.String(), "--- Go notes ---")
			clitest.RequireLinesFit(t, out.String())
		})
	}
	t.Run("-mode goroutine", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine"}))
			clitest.RequireLinesFit(t, out.String())
		})
	})
}

// timelineRowLine is one row of the timeline in the Go notes.
var timelineRowLine = regexp.MustCompile(`^(PID \d+|task \d+) +\|(.{60})\|$`)

// timelineRows returns the rows of the timeline in notes, by label.
func timelineRows(t *testing.T, notes []string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	for _, line := range notes {
		if m := timelineRowLine.FindStringSubmatch(line); m != nil {
			rows[m[1]] = m[2]
		}
	}
	require.NotEmpty(t, rows, "no timeline in the notes:\n%s", strings.Join(notes, "\n"))
	return rows
}

// marksOf lists the tasks a row shows, in the order they appear in it.
func marksOf(row string) []int {
	var tasks []int
	for _, c := range row {
		if c == ' ' {
			continue
		}
		task := strings.IndexRune(taskMarks, c)
		if len(tasks) == 0 || tasks[len(tasks)-1] != task {
			tasks = append(tasks, task)
		}
	}
	return tasks
}

func TestTimelineShowsWhichWorkerRanWhichTask(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-max-sleep", "30ms", "-workers", "2", "-tasks", "6"}))
	tr := parseTranscript(t, out.String(), 6)
	rows := timelineRows(t, tr.notes)

	// One row per worker process, showing the tasks its Run lines named, in
	// the order it ran them, each in one stretch: a worker that ran two
	// tasks shows two digits.
	ran := map[int][]int{}
	for _, line := range twinLines(out.String()) {
		if m := runLine.FindStringSubmatch(line); m != nil {
			pid := atoi(t, m[2])
			ran[pid] = append(ran[pid], atoi(t, m[1]))
		}
	}
	require.Len(t, rows, len(ran), "a row per worker process:\n%s", out.String())
	for pid, tasks := range ran {
		row, ok := rows[fmt.Sprintf("PID %d", pid)]
		require.True(t, ok, "no row for PID %d:\n%s", pid, out.String())
		assert.Equal(t, tasks, marksOf(row), "PID %d's row %q", pid, row)
	}
}

func TestTimelineInGoroutineModeHasARowPerTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine", "-workers", "2", "-tasks", "4"}))
		tr := parseTranscript(t, out.String(), 4)
		rows := timelineRows(t, tr.notes)
		require.Len(t, rows, 4)
		for task := range 4 {
			assert.Equal(t, []int{task}, marksOf(rows[fmt.Sprintf("task %d", task)]), "task %d", task)
		}
		assert.Equal(t, []int{os.Getpid()}, tr.pids(), "one process")
	})
}

func TestDrawTimeline(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	rows := []timelineRow{
		// Task 4 starts in the column where task 0 ends, which keeps it.
		{"PID 11", []span{{0, 11, at(0), at(205)}, {4, 11, at(205), at(450)}}},
		{"PID 12", []span{{1, 12, at(0), at(600)}}},
		{"PID 13", []span{{2, 13, at(5), at(14)}}},    // inside two columns: both
		{"PID 14", []span{{3, 14, at(300), at(300)}}}, // no time at all: one column
		// A task shorter than a column, and the next in the same column:
		// both stay in the picture.
		{"PID 15", []span{{5, 15, at(100), at(101)}, {6, 15, at(102), at(150)}}},
	}
	var out bytes.Buffer
	drawTimeline(&out, rows, t0, at(600))
	want := []string{
		"Timeline (10ms a column; each digit is the task running then):",
		"        0" + strings.Repeat(" ", 55) + "600ms",
		"PID 11 |" + strings.Repeat("0", 21) + strings.Repeat("4", 24) + strings.Repeat(" ", 15) + "|",
		"PID 12 |" + strings.Repeat("1", 60) + "|",
		"PID 13 |22" + strings.Repeat(" ", 58) + "|",
		"PID 14 |" + strings.Repeat(" ", 30) + "3" + strings.Repeat(" ", 29) + "|",
		"PID 15 |" + strings.Repeat(" ", 10) + "56666" + strings.Repeat(" ", 45) + "|",
	}
	assert.Equal(t, want, twinLines(out.String()))
}

func TestWrapKeepsWordsAndWidth(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"short", 10, []string{"short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"exactly nine", 12, []string{"exactly nine"}},
		{"a verylongword b", 5, []string{"a", "verylongword", "b"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, wrap(tt.text, tt.width), "wrap(%q, %d)", tt.text, tt.width)
	}
}
