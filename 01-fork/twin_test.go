package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/childtest"
	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// tutorialOnly runs the lesson with -tutorial-only and returns its lines.
func tutorialOnly(t *testing.T) []string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only"}))
	childtest.RequireNoneLeft(t)
	return twin.Lines(out.String())
}

func TestTutorialOnlyPrintsTheTutorialLinesAndNothingElse(t *testing.T) {
	lines := tutorialOnly(t)
	require.Len(t, lines, 3, "a start line, the parent's line and the child's:\n%s", strings.Join(lines, "\n"))
	assert.Regexp(t, startLine, lines[0])
	for _, line := range lines[1:] {
		assert.True(t, createdLine.MatchString(line) || childLine.MatchString(line), "line of neither shape: %q", line)
	}
}

func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	tw := forkTwin()
	goLines := tutorialOnly(t)
	pyLines, err := tw.Run(t.Context())
	require.NoError(t, err)
	if !tw.Agree(goLines, pyLines) {
		var view strings.Builder
		tw.SideBySide(&view, "Go", "Python", goLines, pyLines)
		t.Fatalf("the Go run and do_fork.py disagree after masking:\n%s", view.String())
	}
}

func TestCompareShowsBothRunsAndTheirAgreement(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare"}))
	childtest.RequireNoneLeft(t)
	assert.Contains(t, out.String(), "go run ./01-fork -tutorial-only")
	assert.Contains(t, out.String(), "python3 do_fork.py")
	assert.Contains(t, out.String(), "compared as shapes and counts", "the order of the lines is not fixed")
	assert.Contains(t, out.String(), "The two runs agree")
	clitest.RequireLinesFit(t, out.String())
}

func TestCompareSaysWhenTheRunsDiffer(t *testing.T) {
	clitest.RequirePython(t)
	tw := forkTwin()
	// The sample output's slip, in a twin of the twin: the parent's line
	// no longer matches.
	tw.Source = bytes.Replace(tw.Source, []byte("just created a child"), []byte("made a child"), 1)
	require.NotEqual(t, forkTwin().Source, tw.Source)
	var out bytes.Buffer
	err := compare(t.Context(), &out, tw)
	childtest.RequireNoneLeft(t)
	require.ErrorIs(t, err, twin.ErrDiffer)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Contains(t, out.String(), "The two runs differ")
}

func TestCompareWithoutPythonIsOneLineAndExit1(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare"})
	require.ErrorIs(t, err, twin.ErrNoPython)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, out.String(), "nothing runs without python3")
}

func TestDefaultOutputFitsInHundredColumns(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, nil))
	childtest.RequireNoneLeft(t)
	clitest.RequireLinesFit(t, out.String())
}
