package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// needPython skips a test on a machine without python3.
func needPython(t *testing.T) {
	t.Helper()
	if _, err := twin.Python(); err != nil {
		t.Skipf("the Python twin is not compared here: %v", err)
	}
}

func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	needPython(t)
	pyLines, err := twinOf.Run(t.Context())
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only"}))
	goLines := twin.Lines(out.String())
	assert.True(t, twinOf.Agree(goLines, pyLines), "Go -tutorial-only:\n%s\npython3 coroutine.py:\n%q", out.String(), pyLines)
	assert.Equal(t, tutorialLines(), pyLines, "the twin prints the tutorial's lines")
}

func TestCompareShowsBothRunsAndTheirAgreement(t *testing.T) {
	needPython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare"}))
	text := out.String()
	assert.Contains(t, text, "go run ./08-async-io -tutorial-only")
	assert.Contains(t, text, "python3 coroutine.py")
	assert.Contains(t, text, "[PRODUCER] Consumer return: 200 OK")
	assert.Contains(t, text, "The two runs agree: 15 lines of the same shapes")
	clitest.RequireLinesFit(t, text)
}

func TestCompareWithoutPythonSaysWhatItNeeds(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no python3 on it
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, twin.ErrNoPython), "%v", err)
	assert.NotContains(t, err.Error(), "\n", "one line")
	assert.Empty(t, out.String())
}
