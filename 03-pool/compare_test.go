package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	const maxSleep = 30 * time.Millisecond
	for _, mode := range []string{modeProcess, modeGoroutine} {
		t.Run(mode, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only", "-mode", mode, "-max-sleep", maxSleep.String()}))
			tw := lessonTwin(maxSleep)
			pyLines, err := tw.Run(t.Context())
			require.NoError(t, err)
			goLines := twin.Lines(out.String())
			assert.True(t, tw.Agree(goLines, pyLines), "masked shapes and counts differ:\nGo:\n%s\nPython:\n%s",
				strings.Join(tw.Mask(goLines), "\n"), strings.Join(tw.Mask(pyLines), "\n"))
		})
	}
}

func TestCompareShowsBothRunsSideBySide(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare", "-max-sleep", "30ms"}))
	lines := twin.Lines(out.String())
	require.NotEmpty(t, lines)
	// The titles name both commands, with -max-sleep passed on to each.
	assert.Contains(t, lines[0], "go run ./03-pool -max-sleep 30ms -tutorial-only")
	assert.Contains(t, lines[0], "python3 pooled_processing.py 0.03")
	assert.Contains(t, out.String(), "compared as shapes and counts")
	// Parent, Waiting, five Run lines, five end lines, All done.
	assert.Regexp(t, `(?m)^The two runs agree( as shapes and counts \(|: )13 lines`, out.String())
	clitest.RequireLinesFit(t, out.String())
}

func TestCompareWithoutPythonSaysWhatItNeeds(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare"})
	require.ErrorIs(t, err, twin.ErrNoPython)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n", "one line")
	assert.Empty(t, out.String(), "nothing ran")
}

func TestTwinComparesShapesAndCountsNotOrder(t *testing.T) {
	goLines := []string{
		"Parent process 4100.",
		"Waiting for all subprocesses done...",
		"Run task 0 (4101)...",
		"Run task 1 (4102)...",
		"Task 1 runs 0.50 seconds.",
		"Task 0 runs 2.01 seconds.",
		"All subprocesses done.",
	}
	// Another order, and PIDs of two digits, as a container may have.
	pyLines := []string{
		"Parent process 41.",
		"Run task 1 (43)...",
		"Waiting for all subprocesses done...",
		"Run task 0 (42)...",
		"Task 0 runs 0.20 seconds.",
		"Task 1 runs 1.33 seconds.",
		"All subprocesses done.",
	}
	tw := lessonTwin(defaultMaxSleep)
	assert.Nil(t, tw.Args, "the twin's own default needs no argument")
	assert.True(t, tw.Agree(goLines, pyLines), "masked:\n%s\n%s",
		strings.Join(tw.Mask(goLines), "\n"), strings.Join(tw.Mask(pyLines), "\n"))
	assert.False(t, tw.Agree(goLines, pyLines[1:]), "a line missing on one side")
	assert.False(t, tw.Agree(goLines, append(slicesWithout(pyLines, 4), "Task 0 failed: planned failure (-fail 0)")),
		"a failed task is another shape")
}

// slicesWithout returns a copy of lines without line i.
func slicesWithout(lines []string, i int) []string {
	return append(append([]string(nil), lines[:i]...), lines[i+1:]...)
}
