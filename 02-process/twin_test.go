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

func TestTutorialOnlyPrintsTheTutorialLinesAndNothingElse(t *testing.T) {
	lines := runLines(t, "-tutorial-only")
	require.Len(t, lines, 13, "four lines of the Process part, nine of the subprocess part:\n%s", strings.Join(lines, "\n"))
	assert.Regexp(t, parentLine, lines[0])
	assert.Equal(t, "$ sort", lines[7])
	assert.Equal(t, "Exit code: 0", lines[12])
}

func TestTutorialOnlyAgreesWithPythonTwins(t *testing.T) {
	clitest.RequirePython(t)
	// The Go run holds both programs, in the tutorial's order: the first
	// four lines are multi_processing.py's, the rest do_subprocess.py's.
	goLines := runLines(t, "-tutorial-only")
	require.Greater(t, len(goLines), 4)
	for _, tt := range []struct {
		tw      twin.Twin
		goLines []string
	}{
		{processTwin(), goLines[:4]},
		{subprocessTwin(), goLines[4:]},
	} {
		t.Run(tt.tw.Name, func(t *testing.T) {
			pyLines, err := tt.tw.Run(t.Context())
			require.NoError(t, err)
			if !tt.tw.Agree(tt.goLines, pyLines) {
				var view strings.Builder
				tt.tw.SideBySide(&view, "Go", "Python", tt.goLines, pyLines)
				t.Fatalf("the Go run and %s disagree after masking:\n%s", tt.tw.Name, view.String())
			}
		})
	}
}

func TestCompareShowsBothProgramsAndTheirAgreement(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare"}))
	childtest.RequireNoneLeft(t)
	s := out.String()
	first, second := strings.Index(s, "python3 multi_processing.py"), strings.Index(s, "python3 do_subprocess.py")
	require.GreaterOrEqual(t, first, 0, "the Process comparison is shown:\n%s", s)
	require.Greater(t, second, first, "the subprocess comparison follows it:\n%s", s)
	assert.Equal(t, 2, strings.Count(s, "go run ./02-process -tutorial-only"), "each comparison has its Go title")
	assert.Equal(t, 2, strings.Count(s, "The two runs agree"), "both comparisons agree:\n%s", s)
	clitest.RequireLinesFit(t, s)
}

func TestCompareShowsBothProgramsWhenTheFirstDiffers(t *testing.T) {
	clitest.RequirePython(t)
	process := processTwin()
	// The tutorial's sample output has this drift; a twin that prints it
	// no longer agrees with the code.
	process.Source = bytes.Replace(process.Source, []byte("'Child process end.'"), []byte("'Process end.'"), 1)
	require.NotEqual(t, processTwin().Source, process.Source)
	var out bytes.Buffer
	err := compare(t.Context(), &out, process, subprocessTwin())
	childtest.RequireNoneLeft(t)
	require.ErrorIs(t, err, twin.ErrDiffer)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Contains(t, out.String(), "The two runs differ")
	assert.Contains(t, out.String(), "python3 do_subprocess.py", "the second comparison is shown too")
	assert.Contains(t, out.String(), "The two runs agree", "and it agrees")
}

func TestCompareWithoutPythonIsOneLineAndExit1(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare"})
	require.ErrorIs(t, err, twin.ErrNoPython)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, out.String(), "nothing is compared without python3")
}

func TestDefaultOutputFitsInHundredColumns(t *testing.T) {
	lines := runLines(t)
	clitest.RequireLinesFit(t, strings.Join(lines, "\n"))
}
