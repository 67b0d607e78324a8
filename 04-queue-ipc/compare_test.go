package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// runUntil runs the lesson with a deadline, which a child or python3 that
// never ends would hit: the test then fails in a minute instead of hanging.
func runUntil(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out, args)
	require.NoError(t, ctx.Err(), "run %q did not end by itself; output so far:\n%s", args, &out)
	return out.String(), err
}

// assertTutorialOnly checks the output of a -tutorial-only run: the
// tutorial's eight lines, A, B and C put and got in order, and nothing else.
func assertTutorialOnly(t *testing.T, out string) {
	t.Helper()
	assert.NotContains(t, out, goNotes)
	tr := parseTutorialOnly(t, out)
	assert.Len(t, tr.tutorial, 8, "two PID lines and six value lines:\n%s", out)
	assert.Equal(t, values, tr.puts)
	assert.Equal(t, values, tr.gets)
	assert.NotZero(t, tr.writerPID)
	assert.NotZero(t, tr.readerPID)
	tr.assertInOrder(t)
	clitest.RequireLinesFit(t, out)
}

func TestTutorialOnlyPrintsTheTutorialsLinesAndNothingElse(t *testing.T) {
	out, err := runUntil(t, "-tutorial-only", "-max-pause", "0")
	require.NoError(t, err)
	assertTutorialOnly(t, out)
}

func TestGoroutineModeTutorialOnlyPrintsNoNotes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, []string{"-mode", "goroutine", "-tutorial-only"}))
		assertTutorialOnly(t, out.String())
	})
}

func TestNotesFitAHundredColumns(t *testing.T) {
	for _, args := range [][]string{
		{"-max-pause", "0"},
		{"-max-pause", "0", "-terminate"},
		{"-mode", "goroutine", "-max-pause", "0"},
		{"-mode", "goroutine", "-max-pause", "0", "-terminate"},
		{"-mode", "goroutine", "-max-pause", "0", "-crash", "writer"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, _ := runUntil(t, args...)
			require.Contains(t, out, goNotes)
			clitest.RequireLinesFit(t, out)
		})
	}
}

func TestWrapBreaksAtSpacesAndIndents(t *testing.T) {
	assert.Equal(t, []string{"one two", "  three", "  four"}, wrap("one two three four", 8))
	assert.Equal(t, []string{"short"}, wrap("short", 8))
	assert.Equal(t, []string{"a", "  longerthanaline"}, wrap("a longerthanaline", 8), "a long word stands alone")
}

// Two orders seen in real runs of the two programs: Python's reader may
// print its PID before the writer's first line, and Go's writer its PID
// before the reader starts. The twin takes them for the same run; a line
// missing or added is a difference.
func TestTwinComparesShapesAndCountsNotOrder(t *testing.T) {
	goLines := []string{
		"Process to write: 12032", "Put A to queue...", "Process to read: 12033", "Get A from queue.",
		"Put B to queue...", "Get B from queue.", "Put C to queue...", "Get C from queue.",
	}
	pyLines := []string{
		"Process to read: 5001", "Process to write: 5000", "Put A to queue...", "Get A from queue.",
		"Put B to queue...", "Get B from queue.", "Put C to queue...", "Get C from queue.",
	}
	assert.True(t, pythonTwin.Agree(goLines, pyLines), "PIDs masked, order free")
	assert.False(t, pythonTwin.Agree(goLines, pyLines[:7]), "Get C missing")
	assert.False(t, pythonTwin.Agree(append(slices.Clone(goLines), goNotes), pyLines), "an extra line")
	assert.Contains(t, string(doQueuePy), "pr.terminate()", "the twin terminates its reader, as the tutorial does")
}

// missingGets returns Go's lines without the "Get" lines Python did not
// print, and whether Python printed fewer than Go. The tutorial's program
// can lose values: terminate() may kill the reader before it has printed C,
// when the writer's last pause is shorter than the reader's way to C (0 of
// 200 runs here, see the README).
func missingGets(goLines, pyLines []string) ([]string, bool) {
	count := func(lines []string) int {
		return len(slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return !getLine.MatchString(l) }))
	}
	lost := values[min(count(pyLines), len(values)):]
	if len(lost) == 0 {
		return goLines, false
	}
	return slices.DeleteFunc(slices.Clone(goLines), func(l string) bool {
		m := getLine.FindStringSubmatch(l)
		return m != nil && slices.Contains(lost, m[1])
	}), true
}

// The Go run's -tutorial-only lines and the Python twin's agree after
// masking, as shapes and counts. A Python run that lost a value, the
// tutorial's own risk, is run again, at most twice.
func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	out, err := runUntil(t, "-tutorial-only", "-max-pause", "20ms")
	require.NoError(t, err)
	goLines := twin.Lines(out)
	for attempt := 1; ; attempt++ {
		pyLines, err := pythonTwin.Run(t.Context())
		require.NoError(t, err)
		if pythonTwin.Agree(goLines, pyLines) {
			return
		}
		trimmed, lost := missingGets(goLines, pyLines)
		if lost && attempt < 3 && pythonTwin.Agree(trimmed, pyLines) {
			t.Logf("python3 lost a value to terminate(), the tutorial's risk; run %d again:\n%s", attempt, strings.Join(pyLines, "\n"))
			continue
		}
		require.Failf(t, "the Go and Python runs differ", "Go:\n%s\nPython:\n%s", out, strings.Join(pyLines, "\n"))
	}
}

// onlyPythonLost reports whether the shapes table of a -compare output
// differs only in "Get" lines that Python printed fewer of.
func onlyPythonLost(out string) bool {
	row := regexp.MustCompile(`(?m)^\s*(\d+)\s+(\d+) \| (.*)$`)
	rows := row.FindAllStringSubmatch(out, -1)
	for _, r := range rows {
		goCount, _ := strconv.Atoi(r[1])
		pyCount, _ := strconv.Atoi(r[2])
		if !getLine.MatchString(r[3]) || goCount <= pyCount {
			return false
		}
	}
	return len(rows) > 0
}

// -compare shows both runs under their titles, says they agree, and fits a
// 100-column terminal.
func TestCompareShowsBothRunsSideBySide(t *testing.T) {
	clitest.RequirePython(t)
	for attempt := 1; ; attempt++ {
		out, err := runUntil(t, "-compare", "-max-pause", "20ms")
		if errors.Is(err, twin.ErrDiffer) && attempt < 3 && onlyPythonLost(out) {
			t.Logf("python3 lost a value to terminate(), the tutorial's risk; run %d again:\n%s", attempt, out)
			continue
		}
		require.NoError(t, err, "output:\n%s", out)
		assert.Contains(t, out, "go run ./04-queue-ipc -tutorial-only")
		assert.Contains(t, out, "python3 do_queue.py")
		assert.Contains(t, out, "compared as shapes and counts")
		assert.Regexp(t, `(?m)^The two runs agree`, out)
		assert.NotContains(t, out, goNotes, "the Go side runs with -tutorial-only")
		for _, v := range values {
			assert.Regexp(t, `(?m)^\s+1\s+1\s+Get `+v+` from queue\.$`, out, "one Get %s on each side", v)
		}
		clitest.RequireLinesFit(t, out)
		return
	}
}

// Without python3 -compare says in one line what it needs, exits 1, and
// runs nothing.
func TestCompareWithoutPythonSaysWhatItNeeds(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out, err := runUntil(t, "-compare")
	require.ErrorIs(t, err, twin.ErrNoPython)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n", "one line")
	assert.Empty(t, out)
}
