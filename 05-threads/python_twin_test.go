package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// fast is the pause the twin tests use on both sides: the lines do not
// depend on it, and five of them take no time worth waiting for.
const fast = 10 * time.Millisecond

// TestTutorialOnlyAgreesWithPythonTwin runs multi_threading.py and the
// lesson's -tutorial-only, and requires the same nine lines from both.
func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	tw := pythonTwin(fast)
	pyLines, err := tw.Run(t.Context())
	require.NoError(t, err)
	var goOut bytes.Buffer
	require.NoError(t, run(t.Context(), &goOut, []string{"-tutorial-only", "-interval", fast.String()}))

	assert.Equal(t, tutorialLines, pyLines, "the twin prints the tutorial's lines")
	assert.True(t, tw.Agree(twin.Lines(goOut.String()), pyLines),
		"Go:\n%s\nPython:\n%s", goOut.String(), strings.Join(pyLines, "\n"))
}

// TestCompareShowsBothRuns: -compare prints both titles, the interval
// handed to the twin, and the agreement line, within 100 columns.
func TestCompareShowsBothRuns(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare", "-interval", fast.String()}))

	lines := twin.Lines(out.String())
	require.NotEmpty(t, lines)
	assert.Contains(t, out.String(), "go run ./05-threads -interval 10ms", "the Go title names -interval")
	assert.Contains(t, out.String(), "python3 multi_threading.py 0.01", "-interval reaches the twin in seconds")
	assert.Regexp(t, `(?m)^thread LoopThread >>> 5 += thread LoopThread >>> 5$`, out.String())
	assert.Regexp(t, `(?m)^The two runs agree: 9 lines of the same shapes`, out.String())
	clitest.RequireLinesFit(t, out.String())
}

// TestTwinTakesTheTutorialsSecondByDefault: at the default interval the
// twin runs as the tutorial's script does, with no argument.
func TestTwinTakesTheTutorialsSecondByDefault(t *testing.T) {
	assert.Empty(t, pythonTwin(time.Second).Args)
	assert.Empty(t, pythonTwin(time.Second).GoArgs)
	assert.Equal(t, []string{"0.2"}, pythonTwin(200*time.Millisecond).Args)
	assert.Equal(t, []string{"-interval", "200ms"}, pythonTwin(200*time.Millisecond).GoArgs)
}

// TestCompareWithoutPython: with no python3 on $PATH, -compare fails with
// one line saying what it needs, and exit status 1.
func TestCompareWithoutPython(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare", "-interval", fast.String()})
	require.Error(t, err)
	assert.True(t, errors.Is(err, twin.ErrNoPython), "got %v", err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, out.String(), "nothing is compared without python3")
}
