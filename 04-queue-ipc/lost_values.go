package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Python's terminate() can kill the reader while values are still in the
// queue, and nothing says so. This port names them: the tally reads the
// values the writer announced from its "Put" lines, the reader reports each
// value it receives (on its own pipe in process mode), and what was
// announced and never received is lost.

// putFormat is the line write prints for each value (main.go).
const putFormat = "Put %s to queue..."

// reportingGet wraps get so that each value received is passed to report
// before the reader prints it. Which values were lost is decided from these
// reports, not from the printed lines: those are the tutorial's output, and
// a reader may be stopped between receiving a value and printing it.
func reportingGet(get func() (string, error), report func(string) error) func() (string, error) {
	return func() (string, error) {
		v, err := get()
		if err != nil {
			return v, err
		}
		if err := report(v); err != nil {
			return "", fmt.Errorf("report %s received: %w", v, err)
		}
		return v, nil
	}
}

// readReceived reads the values the reader reported it received, up to the
// end of the stream. A reader that was stopped reported only some of them.
func readReceived(r io.Reader) []string {
	get := streamGet(r)
	var got []string
	for {
		v, err := get()
		if err != nil {
			return got
		}
		got = append(got, v)
	}
}

// tally passes the tutorial's lines on to w and keeps, on the way, the
// values the writer announced, so that a value that never arrived is named
// instead of silently missing. What the reader got is not read from its
// lines: the caller sets got from the reader's own reports (reportingGet).
type tally struct {
	w       io.Writer
	partial []byte
	put     []string // from the writer's "Put" lines
	got     []string // what the reader reported it received
}

func (t *tally) Write(p []byte) (int, error) {
	t.partial = append(t.partial, p...)
	for {
		line, rest, ok := bytes.Cut(t.partial, []byte("\n"))
		if !ok {
			break
		}
		if v, ok := match(putFormat, string(line)); ok {
			t.put = append(t.put, v)
		}
		t.partial = rest
	}
	return t.w.Write(p)
}

// match returns what stands for %s in line if line has the shape of format.
func match(format, line string) (string, bool) {
	prefix, suffix, _ := strings.Cut(format, "%s")
	v, ok := strings.CutPrefix(line, prefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(v, suffix)
}

// lost lists the values announced but never got.
func (t *tally) lost() []string {
	var lost []string
	for _, v := range t.put {
		if !slices.Contains(t.got, v) {
			lost = append(lost, v)
		}
	}
	return lost
}

// note is the Go-notes line about the values.
func (t *tally) note() string {
	line := fmt.Sprintf("values: the writer announced %s; the reader got %s", list(t.put), list(t.got))
	if lost := t.lost(); len(lost) > 0 {
		line += "; never got: " + list(lost)
	}
	return line
}

// lostError is the error for values that went missing although neither
// side failed, which only -terminate can do: Python's terminate() loses
// them without a word.
func (t *tally) lostError() error {
	lost := t.lost()
	if len(lost) == 0 {
		return nil
	}
	return &lostValuesError{lost: lost, of: len(t.put)}
}

// lostValuesError is a run that lost values; -compare shows them as missing
// lines instead of stopping at the error.
type lostValuesError struct {
	lost []string
	of   int
}

func (e *lostValuesError) Error() string {
	return fmt.Sprintf("the reader was stopped before it got %s: %d of %d values were lost", list(e.lost), len(e.lost), e.of)
}

func list(vs []string) string {
	if len(vs) == 0 {
		return "nothing"
	}
	return strings.Join(vs, ", ")
}
