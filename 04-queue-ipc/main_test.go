package main

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/childtest"
	"multitask/internal/clitest"
)

// TestMain lets the test binary play the writer and reader children, and
// checks that no test leaves a goroutine behind.
func TestMain(m *testing.M) {
	// The test binary plays the child processes too; see childtest.Serve.
	childtest.Serve()
	goleak.VerifyTestMain(m)
}

// transcript is a run's output taken apart.
type transcript struct {
	tutorial  []string // the lines before the Go notes
	notes     []string // the lines after them
	writerPID int      // from "Process to write: %d"
	readerPID int      // from "Process to read: %d"
	puts      []string // values in the order "Put %s to queue..." printed them
	gets      []string // values in the order "Get %s from queue." printed them
}

var (
	writerLine = regexp.MustCompile(`^Process to write: (\d+)$`)
	readerLine = regexp.MustCompile(`^Process to read: (\d+)$`)
	putLine    = regexp.MustCompile(`^Put (\w+) to queue\.\.\.$`)
	getLine    = regexp.MustCompile(`^Get (\w+) from queue\.$`)
)

// parse takes a run's output apart and fails the test on any line of the
// tutorial's part that is not one of its four shapes.
func parse(t *testing.T, out string) transcript {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	i := slices.Index(lines, goNotes)
	require.GreaterOrEqual(t, i, 0, "no %q line in output:\n%s", goNotes, out)
	tr := parseTutorial(t, lines[:i], out)
	tr.notes = lines[i+1:]
	return tr
}

// parseTutorialOnly takes apart the output of -tutorial-only, which must
// be the tutorial's lines and nothing else.
func parseTutorialOnly(t *testing.T, out string) transcript {
	t.Helper()
	return parseTutorial(t, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), out)
}

// parseTutorial reads the tutorial's lines and fails the test on any line
// that is not one of its four shapes.
func parseTutorial(t *testing.T, lines []string, out string) transcript {
	t.Helper()
	var tr transcript
	for _, line := range lines {
		tr.tutorial = append(tr.tutorial, line)
		switch {
		case writerLine.MatchString(line):
			tr.writerPID = atoi(t, writerLine.FindStringSubmatch(line)[1])
		case readerLine.MatchString(line):
			tr.readerPID = atoi(t, readerLine.FindStringSubmatch(line)[1])
		case putLine.MatchString(line):
			tr.puts = append(tr.puts, putLine.FindStringSubmatch(line)[1])
		case getLine.MatchString(line):
			tr.gets = append(tr.gets, getLine.FindStringSubmatch(line)[1])
		default:
			require.Failf(t, "unexpected line", "%q in output:\n%s", line, out)
		}
	}
	return tr
}

// note returns the submatches of the one note line that re matches.
func (tr transcript) note(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for _, line := range tr.notes {
		if m := re.FindStringSubmatch(line); m != nil {
			return m
		}
	}
	require.Failf(t, "missing note", "no note matches %s in:\n%s", re, strings.Join(tr.notes, "\n"))
	return nil
}

// assertInOrder checks that a value's "Put" line comes before its "Get"
// line: the output order is the order in which things happened.
func (tr transcript) assertInOrder(t *testing.T) {
	t.Helper()
	for _, v := range tr.gets {
		put := indexOf(tr.tutorial, "Put "+v+" to queue...")
		get := indexOf(tr.tutorial, "Get "+v+" from queue.")
		assert.True(t, put >= 0 && put < get, "Put %s must be printed before Get %s:\n%s", v, v, strings.Join(tr.tutorial, "\n"))
	}
	assert.Positive(t, indexOf(tr.tutorial, "Process to write: "+strconv.Itoa(tr.writerPID))+1, "the writer prints its PID")
	assert.Less(t, indexOf(tr.tutorial, "Process to write: "+strconv.Itoa(tr.writerPID)), indexOf(tr.tutorial, "Put A to queue..."),
		"the writer prints its PID before its first value")
}

func indexOf(lines []string, want string) int {
	for i, line := range lines {
		if line == want {
			return i
		}
	}
	return -1
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func TestBadFlagsExit2WithOneLine(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-mode", "thread"}, `-mode must be process or goroutine, got "thread"`},
		{[]string{"-mode", ""}, `-mode must be process or goroutine, got ""`},
		{[]string{"-max-pause", "-1s"}, "-max-pause must not be negative, got -1s"},
		{[]string{"-max-pause", "61m"}, "-max-pause must be at most 1h0m0s, got 1h1m0s"},
		{[]string{"-max-pause", "soon"}, `invalid value "soon" for flag -max-pause`},
		{[]string{"-max-pause", "5"}, `invalid value "5" for flag -max-pause`},
		{[]string{"-crash", "parent"}, `-crash must be writer or reader, got "parent"`},
		{[]string{"-terminate=maybe"}, `invalid boolean value "maybe" for -terminate`},
		{[]string{"A", "B", "C"}, `unexpected argument "A"`},
		{[]string{"-compare", "-crash", "reader"}, "-compare cannot take -crash"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.want)
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	clitest.RequireHelp(t, run, "-mode", "-max-pause", "-terminate", "-crash", "-tutorial-only", "-compare")
}

func TestStreamCarriesValuesAndEndsCleanly(t *testing.T) {
	var pipe bytes.Buffer
	put := streamPut(&pipe)
	for _, v := range values {
		require.NoError(t, put(v))
	}
	assert.Equal(t, "{\"value\":\"A\"}\n{\"value\":\"B\"}\n{\"value\":\"C\"}\n", pipe.String(), "one JSON line per value")

	var out bytes.Buffer
	require.NoError(t, read(&out, 7, streamGet(&pipe)), "a stream that ends after a whole message is a clean end")
	assert.Equal(t, "Process to read: 7\nGet A from queue.\nGet B from queue.\nGet C from queue.\n", out.String())
}

// A writer killed half-way through a message leaves half a line in the
// pipe. The reader says so instead of taking it for a value or for a clean
// end.
func TestHalfMessageIsAnError(t *testing.T) {
	var out bytes.Buffer
	err := read(&out, 7, streamGet(strings.NewReader("{\"value\":\"A\"}\n{\"val")))
	require.ErrorIs(t, err, errHalfMessage)
	assert.Equal(t, "Process to read: 7\nGet A from queue.\n", out.String(), "the whole message before it still arrives")
}

// The reader knows no count: it reads until the stream ends, however many
// values come.
func TestReaderReadsUntilTheEndOfTheStream(t *testing.T) {
	sent := append(slices.Clone(values), "D", "E")
	var pipe bytes.Buffer
	put := streamPut(&pipe)
	for _, v := range sent {
		require.NoError(t, put(v))
	}
	var out bytes.Buffer
	require.NoError(t, read(&out, 7, streamGet(&pipe)))
	assert.Equal(t, "Process to read: 7\nGet A from queue.\nGet B from queue.\nGet C from queue.\nGet D from queue.\nGet E from queue.\n", out.String())
	assert.Zero(t, pipe.Len(), "the reader read the stream to its end")
}

// Each value received is reported before it is printed, and a value that
// cannot be reported stops the reader instead of going missing unnoticed.
func TestReaderReportsEachValueItReceives(t *testing.T) {
	var reported []string
	var out bytes.Buffer
	get := reportingGet(streamGet(strings.NewReader("{\"value\":\"A\"}\n{\"value\":\"B\"}\n")), func(v string) error {
		assert.NotContains(t, out.String(), "Get "+v, "%s is reported before it is printed", v)
		reported = append(reported, v)
		return nil
	})
	require.NoError(t, read(&out, 7, get))
	assert.Equal(t, []string{"A", "B"}, reported)

	broken := errors.New("broken")
	get = reportingGet(streamGet(strings.NewReader("{\"value\":\"A\"}\n")), func(string) error { return broken })
	err := read(io.Discard, 7, get)
	require.ErrorIs(t, err, broken)
	assert.Contains(t, err.Error(), "report A received")
}

func TestGarbageOnTheStreamIsAnError(t *testing.T) {
	get := streamGet(strings.NewReader("not json\n"))
	_, err := get()
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF)
}

func TestWriterStopsAtTheFirstFailedPut(t *testing.T) {
	broken := errors.New("broken")
	var out bytes.Buffer
	var pauses int
	err := write(&out, 7, func(v string) error {
		if v == "B" {
			return broken
		}
		return nil
	}, func() { pauses++ })
	require.ErrorIs(t, err, broken)
	assert.EqualError(t, err, "put B: broken", "the error names the value")
	assert.Equal(t, "Process to write: 7\nPut A to queue...\nPut B to queue...\n", out.String())
	assert.Equal(t, 1, pauses, "a pause after each value put, none after a failure")
}

// The tally reads whole lines even when a write ends inside one. What the
// reader got comes from its reports, not from its "Get" lines.
func TestTallyNamesTheValuesThatNeverArrived(t *testing.T) {
	var out bytes.Buffer
	lines := &tally{w: &out}
	for _, chunk := range []string{"Process to write: 7\nPut A to qu", "eue...\nPut B to queue...\n", "Get A from queue.\nGet B", " from queue.\nPut C to queue...\n"} {
		_, err := io.WriteString(lines, chunk)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"A", "B", "C"}, lines.put)
	assert.Empty(t, lines.got, "the Get lines are not what decides")
	lines.got = []string{"A", "B"}
	assert.Equal(t, "values: the writer announced A, B, C; the reader got A, B; never got: C", lines.note())
	assert.EqualError(t, lines.lostError(), "the reader was stopped before it got C: 1 of 3 values were lost")
	assert.Contains(t, out.String(), "Put A to queue...\nPut B", "the lines pass through unchanged")

	none := &tally{w: io.Discard}
	assert.Equal(t, "values: the writer announced nothing; the reader got nothing", none.note())
	assert.NoError(t, none.lostError())
}
