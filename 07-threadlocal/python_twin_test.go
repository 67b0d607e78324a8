package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// TestTutorialOnlyAgreesWithPythonTwin runs use_threadlocal.py and the
// lesson's -tutorial-only, and requires the same two lines from both, in
// whichever order Python's threads printed them.
func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	tw := pythonTwin()
	pyLines, err := tw.Run(t.Context())
	require.NoError(t, err)
	var goOut bytes.Buffer
	require.NoError(t, run(t.Context(), &goOut, []string{"-tutorial-only"}))

	assert.ElementsMatch(t, twin.Lines(tutorialLines), pyLines, "the twin prints the tutorial's lines")
	assert.True(t, tw.Agree(twin.Lines(goOut.String()), pyLines),
		"Go:\n%s\nPython:\n%s", goOut.String(), strings.Join(pyLines, "\n"))
}

// TestTwinComparesShapesAndCounts: Python's threads print on their own, so
// Bob may come first; that must not count as a difference, while a missing
// or doubled line must.
func TestTwinComparesShapesAndCounts(t *testing.T) {
	tw := pythonTwin()
	goLines := twin.Lines(tutorialLines)
	assert.True(t, tw.Agree(goLines, []string{goLines[1], goLines[0]}), "Bob first is the same run")
	assert.False(t, tw.Agree(goLines, []string{goLines[0], goLines[0]}), "Alice twice is not")
}

// TestCompareShowsBothRuns: -compare prints both titles, the shapes table
// of an unordered comparison, and the agreement line, within 100 columns.
func TestCompareShowsBothRuns(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare"}))

	lines := twin.Lines(out.String())
	require.NotEmpty(t, lines)
	assert.Contains(t, lines[0], "go run ./07-threadlocal -tutorial-only")
	assert.Contains(t, lines[0], "python3 use_threadlocal.py")
	assert.Contains(t, out.String(), "compared as shapes and counts")
	// Agree in order, or, when Python printed Bob first, as shapes and counts.
	assert.Regexp(t, `(?m)^The two runs agree(: 2 lines| as shapes and counts \(2 lines)`, out.String())
	clitest.RequireLinesFit(t, out.String())
}

// TestCompareWithoutPython: with no python3 on $PATH, -compare fails with
// one line saying what it needs, and exit status 1.
func TestCompareWithoutPython(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, twin.ErrNoPython), "got %v", err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, out.String(), "nothing is compared without python3")
}
