package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// values are what the writer puts into the queue, in this order.
var values = []string{"A", "B", "C"}

// The tutorial's lines about values. The tally reads the "Put" lines back.
const (
	putFormat = "Put %s to queue..."
	getFormat = "Get %s from queue."
)

// writeValues is the writer of the tutorial, the same in both modes: it
// prints its PID, then announces and puts each value, pausing after each one
// as the Python code does. The pause after the last value is what, in the
// tutorial, usually gives the reader time to get C before it is terminated.
func writeValues(out io.Writer, pid int, put func(string) error, pause func()) error {
	if _, err := fmt.Fprintf(out, "Process to write: %d\n", pid); err != nil {
		return err
	}
	for _, v := range values {
		if _, err := fmt.Fprintf(out, putFormat+"\n", v); err != nil {
			return err
		}
		if err := put(v); err != nil {
			return fmt.Errorf("put %s: %w", v, err)
		}
		pause()
	}
	return nil
}

// readValues is the reader of the tutorial, the same in both modes: it
// prints its PID, then each value as it arrives. Unlike the Python loop it
// ends when get reports the end of the stream with io.EOF.
func readValues(out io.Writer, pid int, get func() (string, error)) error {
	if _, err := fmt.Fprintf(out, "Process to read: %d\n", pid); err != nil {
		return err
	}
	for {
		v, err := get()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if _, err := fmt.Fprintf(out, getFormat+"\n", v); err != nil {
			return err
		}
	}
}

// randomPause is how long the writer pauses: a random time in [0, max), as
// Python's random.random() seconds is in [0, 1). A max of zero means none.
func randomPause(maxPause time.Duration) time.Duration {
	if maxPause <= 0 {
		return 0
	}
	return rand.N(maxPause)
}

// crashMessage is what a writer or reader panics with when -crash asks for it.
func crashMessage(role, after string) string {
	return fmt.Sprintf("crash requested by -crash %s, after %s", role, after)
}

// crashingPut wraps put so that the writer panics right after the first
// value has gone into the queue.
func crashingPut(put func(string) error) func(string) error {
	return func(v string) error {
		if err := put(v); err != nil {
			return err
		}
		panic(crashMessage(roleWriter, "putting "+v))
	}
}

// crashingGet wraps get so that the reader panics when it asks for the
// second value, after it has printed the first.
func crashingGet(get func() (string, error)) func() (string, error) {
	var got []string
	return func() (string, error) {
		if len(got) == 1 {
			panic(crashMessage(roleReader, "getting "+got[0]))
		}
		v, err := get()
		if err == nil {
			got = append(got, v)
		}
		return v, err
	}
}

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
	return fmt.Errorf("the reader was stopped before it got %s: %d of %d values were lost", list(lost), len(lost), len(t.put))
}

func list(vs []string) string {
	if len(vs) == 0 {
		return "nothing"
	}
	return strings.Join(vs, ", ")
}
