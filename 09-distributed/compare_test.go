package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
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

// tutorialLine is every line the tutorial's two scripts print, under the
// demo's name of who printed it.
var tutorialLine = regexp.MustCompile(`^(master   \| (Put task \d+\.\.\.|Try get results\.\.\.|Result: \d+ \* \d+ = \d+|master exit\.)` +
	`|worker \d \| (Connect to server 127\.0\.0\.1:\d+\.\.\.|run task \d+ \* \d+\.\.\.|task queue is empty\.|worker exit\.))$`)

func TestTutorialOnlyPrintsTheTutorialsLinesAndNothingElse(t *testing.T) {
	out, err := runUntil(t, "-tutorial-only", "-sleep", "10ms")
	require.NoError(t, err)
	assert.NotContains(t, out, goNotes)
	assert.NotContains(t, out, "-- ", "no note of the master's or the workers'")
	for _, line := range lines(out) {
		assert.Regexp(t, tutorialLine, line)
	}
	said := map[string][]string{}
	for _, line := range lines(out) {
		who, what, _ := strings.Cut(line, " | ")
		said[strings.TrimSpace(who)] = append(said[strings.TrimSpace(who)], what)
	}
	checkMasterOutput(t, said["master"], 10)
	for _, w := range []string{"worker 1", "worker 2"} {
		require.NotEmpty(t, said[w], "%s printed nothing:\n%s", w, out)
		assert.Equal(t, "worker exit.", said[w][len(said[w])-1], "%s ends as the tutorial's worker does", w)
	}
}

// The master and worker commands take -tutorial-only too: a Go worker can
// then be held beside a Python one, or a Go master beside task_master.py.
func TestTutorialOnlyMasterAndWorkerPrintNoNotes(t *testing.T) {
	port, err := freePort()
	require.NoError(t, err)
	addr := "127.0.0.1:" + port
	m := start(t, "master", "-addr", addr, "-authkey", testKey, "-tasks", "3", "-tutorial-only")
	// The master prints its first line once it serves its queues.
	m.out.waitFor(t, `Put task \d+`)
	w := start(t, "worker", "-addr", addr, "-authkey", testKey, "-sleep", "0", "-tutorial-only")
	require.NoError(t, m.wait(t), m.out.String())
	require.NoError(t, w.wait(t), w.out.String())

	checkMasterOutput(t, lines(m.out.String()), 3)
	assert.Equal(t, "master exit.", lines(m.out.String())[len(lines(m.out.String()))-1], "nothing after the tutorial's last line")
	assert.NotContains(t, m.out.String(), "--")
	wout := lines(w.out.String())
	assert.Equal(t, "Connect to server "+addr+"...", wout[0])
	assert.Len(t, numbers(t, wout, runLine), 3)
	assert.Equal(t, "worker exit.", wout[len(wout)-1])
	assert.NotContains(t, w.out.String(), "--", "no note that the master closed the queues")
}

// The Go demo's -tutorial-only lines with one worker and the Python pair's
// agree as shapes and counts, numbers masked.
func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	out, err := runUntil(t, "-tutorial-only", "-workers", "1", "-sleep", "20ms")
	require.NoError(t, err)
	var py bytes.Buffer
	require.NoError(t, (pythonPair{tasks: 10, workers: 1, pace: 20 * time.Millisecond}).run(t.Context(), &py), py.String())
	assert.True(t, pythonTwin.Agree(twin.Lines(out), twin.Lines(py.String())),
		"the Go and Python runs differ\nGo:\n%s\nPython:\n%s", out, py.String())
	assert.Len(t, twin.Lines(py.String()), 34, "the tutorial's 22 master lines and 12 worker lines:\n%s", py.String())
}

// The masks make a line's shape out of it: numbers of any length masked, and
// the port the Go worker names dropped; the lines' order does not count.
func TestTwinComparesShapesAndCounts(t *testing.T) {
	goLines := []string{"worker 1 | Connect to server 127.0.0.1:40123...", "master   | Put task 7...", "master   | Put task 9999..."}
	pyLines := []string{"master   | Put task 10000...", "master   | Put task 42...", "worker 1 | Connect to server 127.0.0.1..."}
	assert.True(t, pythonTwin.Agree(goLines, pyLines))
	assert.False(t, pythonTwin.Agree(goLines, pyLines[:2]), "a line missing")
	assert.False(t, pythonTwin.Agree(goLines, append(pyLines[:2:2], "worker 1 | Connect to server 10.0.0.1..."+"x")))
}

// -compare shows both runs under their titles, says they agree, and fits a
// 100-column terminal; -sleep reaches both sides.
func TestCompareShowsBothRunsSideBySide(t *testing.T) {
	clitest.RequirePython(t)
	out, err := runUntil(t, "-compare", "-sleep", "20ms")
	require.NoError(t, err, "output:\n%s", out)
	assert.Contains(t, out, "go run ./09-distributed -workers 1 -sleep 20ms -tutorial-only")
	assert.Contains(t, out, "python3 task_master.py + task_worker.py --sleep 0.02")
	assert.Contains(t, out, "compared as shapes and counts")
	assert.Regexp(t, `(?m)^The two runs agree`, out)
	assert.NotContains(t, out, goNotes, "the Go side runs with -tutorial-only")
	assert.NotRegexp(t, `\| -- `, out, "the Go side prints no notes")
	for shape, n := range map[string]int{
		`master   \| Put task #\.\.\.`:                   10,
		`master   \| Result: # \* # = #`:                 10,
		`worker # \| Connect to server #\.#\.#\.#\.\.\.`: 1,
		`worker # \| run task # \* #\.\.\.`:              10,
		`worker # \| worker exit\.`:                      1,
	} {
		assert.Regexp(t, fmt.Sprintf(`(?m)^\s+%d\s+%d\s+%s$`, n, n, shape), out, "%d of %s on each side", n, shape)
	}
	clitest.RequireLinesFit(t, out)
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
