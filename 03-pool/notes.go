package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// noteWidth is how wide a line of the notes may be: a 100-column terminal,
// as clitest.MaxColumns checks in the tests.
const noteWidth = 100

// finish prints the Go notes, unless -tutorial-only asked for the tutorial's
// lines alone, and returns an error naming every failure, or nil.
func (r *report) finish() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cfg.tutorialOnly {
		r.writeNotes()
	}
	if len(r.failed) == 0 && len(r.broken) == 0 {
		return nil
	}
	var parts []string
	if len(r.failed) > 0 {
		var why []string
		for _, task := range slices.Sorted(maps.Keys(r.failed)) {
			why = append(why, fmt.Sprintf("task %d: %s", task, r.failed[task]))
		}
		parts = append(parts, fmt.Sprintf("%d of %d tasks failed: %s", len(r.failed), r.cfg.tasks, strings.Join(why, "; ")))
	}
	return errors.New(strings.Join(append(parts, r.broken...), "; "))
}

// writeNotes says what happened in Go terms: who ran which task, how many ran
// at once, a timeline, and why the default mode is the default.
func (r *report) writeNotes() {
	fmt.Fprintln(r.w, "--- Go notes ---")
	switch r.cfg.mode {
	case modeProcess:
		r.note("-mode process (the default): %d worker processes, each this program re-run as child:%s, "+
			"took tasks as JSON lines on stdin and answered on stdout, one task at a time.", r.spawned, workerRole)
		for _, pid := range r.pids {
			r.note("PID %d ran %s.", pid, taskNames(r.ran[pid]))
		}
	default:
		r.note("-mode goroutine: each task ran in a goroutine of this one process, so every line shows PID %d; "+
			"goroutines have no PID or ID of their own.", r.pid)
	}
	fmt.Fprintf(r.w, "At most %d tasks ran at once (-workers %d).\n", r.most, r.cfg.workers)
	r.writeTimeline()
	switch r.cfg.mode {
	case modeProcess:
		r.note("The process pool is the default because it shows the tutorial's point: a worker that ended "+
			"a task runs a later one, under the same PID. -mode goroutine shows the Go idiom instead: "+
			"a goroutine per task, at most %d at once (errgroup's SetLimit), nothing to reuse.", r.cfg.workers)
	default:
		r.note("This is the Go idiom: a goroutine per task, at most %d at once (errgroup's SetLimit), "+
			"nothing to reuse. The default, -mode process, shows the tutorial's reused worker processes.", r.cfg.workers)
	}

	if len(r.failed) > 0 {
		r.note("%d of %d tasks did not succeed, so the exit status is 1. The tutorial's Python would not tell: "+
			"its Pool keeps a task's exception in the AsyncResult of apply_async, whose get() the tutorial never calls.",
			len(r.failed), r.cfg.tasks)
		if r.lost > 0 {
			r.note("And when a worker process dies, Pool starts another but waits for the lost task forever: " +
				"join() never returns.")
		}
	}
}

// note prints one paragraph of the notes, wrapped to fit the terminal.
func (r *report) note(format string, args ...any) {
	for _, line := range wrap(fmt.Sprintf(format, args...), noteWidth) {
		fmt.Fprintln(r.w, line)
	}
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}

// taskNames says "task 3" or "tasks 0, 4".
func taskNames(tasks []int) string {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = strconv.Itoa(t)
	}
	if len(tasks) == 1 {
		return "task " + names[0]
	}
	return "tasks " + strings.Join(names, ", ")
}

// span is when one task ran, by the clock of the process that ran it.
type span struct {
	task       int
	pid        int
	start, end time.Time
}

// timelineRow is one row of the timeline: a worker process, or the goroutine
// of one task.
type timelineRow struct {
	label string
	spans []span
}

const (
	// taskMarks draws each task as one character, so a timeline has room for
	// this many tasks.
	taskMarks = "0123456789abcdefghijklmnopqrstuvwxyz"
	// timelineWidth is the columns between the bars of a row.
	timelineWidth = 60
)

// writeTimeline draws which task ran where, and when: one row per worker
// process, in the order they took their first task, or in goroutine mode one
// row per task. Reuse shows as two digits in one row.
func (r *report) writeTimeline() {
	if r.cfg.tasks > len(taskMarks) {
		fmt.Fprintf(r.w, "(No timeline: it has room for %d tasks.)\n", len(taskMarks))
		return
	}
	var rows []timelineRow
	switch r.cfg.mode {
	case modeProcess:
		for _, pid := range r.pids {
			row := timelineRow{label: fmt.Sprintf("PID %d", pid)}
			for _, s := range r.spans {
				if s.pid == pid {
					row.spans = append(row.spans, s)
				}
			}
			rows = append(rows, row)
		}
	default:
		for task := range r.cfg.tasks {
			row := timelineRow{label: fmt.Sprintf("task %d", task)}
			for _, s := range r.spans {
				if s.task == task {
					row.spans = append(row.spans, s)
				}
			}
			rows = append(rows, row)
		}
	}
	end := r.began
	for _, s := range r.spans {
		if s.end.After(end) {
			end = s.end
		}
	}
	drawTimeline(r.w, rows, r.began, end)
}

// drawTimeline writes a header, an axis and one line per row: the label, then
// timelineWidth columns from from to to, each showing the task running during
// it. A task gets at least one column, so that none is lost from the picture.
func drawTimeline(w io.Writer, rows []timelineRow, from, to time.Time) {
	total := max(to.Sub(from), 1) // all at one instant, on a fake clock
	step := total / timelineWidth
	fmt.Fprintf(w, "Timeline (%s a column; each digit is the task running then):\n", roundForHumans(step))
	labelWidth := 0
	for _, row := range rows {
		labelWidth = max(labelWidth, len(row.label))
	}
	// The axis: the parent's first line at the left bar, the last task's end
	// at the right one.
	fmt.Fprintf(w, "%*s0%*s\n", labelWidth+2, "", timelineWidth, roundForHumans(total))
	for _, row := range rows {
		cells := []byte(strings.Repeat(" ", timelineWidth))
		spans := slices.SortedFunc(slices.Values(row.spans), func(a, b span) int { return a.start.Compare(b.start) })
		next := 0 // the first column no task of this row has taken
		for _, s := range spans {
			// A span covers the columns it touches: its first one, rounded
			// down, up to the one it ends in, rounded up. A task never
			// hides the one before it, which keeps the column it ended in.
			first := max(int(s.start.Sub(from)*timelineWidth/total), next)
			last := int((s.end.Sub(from)*timelineWidth + total - 1) / total)
			first = min(first, timelineWidth-1)
			last = min(max(last, first+1), timelineWidth)
			for c := first; c < last; c++ {
				cells[c] = taskMarks[s.task]
			}
			next = last
		}
		fmt.Fprintf(w, "%-*s |%s|\n", labelWidth, row.label, cells)
	}
}

// roundForHumans shows d with two or three significant digits: 2.31s, 38ms.
func roundForHumans(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
