package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

// twinTimes keeps the twin's runs short: CPython needs about a second per
// million changes per thread.
const twinTimes = 100_000

func TestTutorialOnlyAgreesWithPythonTwin(t *testing.T) {
	clitest.RequirePython(t)
	tw := pythonTwin(twinTimes)
	goLines := runLines(t, "-tutorial-only", "-n", "100000")
	pyLines, err := tw.Run(t.Context())
	require.NoError(t, err)
	require.Len(t, pyLines, 2, "do_lock.py printed:\n%s", strings.Join(pyLines, "\n"))
	assert.Regexp(t, unlockedLine, pyLines[0])
	assert.Equal(t, "balance with a lock: 0", pyLines[1])
	if !tw.Agree(goLines, pyLines) {
		var view strings.Builder
		tw.SideBySide(&view, "Go", "Python", goLines, pyLines)
		t.Fatalf("the Go run and do_lock.py disagree after masking:\n%s", view.String())
	}
}

// TestTwinMasksOnlyTheUnlockedBalance: any balance without a lock agrees
// (that is where Go and CPython 3.10+ differ by chance), a balance with the
// lock other than 0 does not.
func TestTwinMasksOnlyTheUnlockedBalance(t *testing.T) {
	tw := pythonTwin(twinTimes)
	py := []string{"balance without a lock: 0", "balance with a lock: 0"}
	assert.True(t, tw.Agree([]string{"balance without a lock: -317456", "balance with a lock: 0"}, py))
	assert.False(t, tw.Agree([]string{"balance without a lock: 0", "balance with a lock: 13"}, py))
	assert.False(t, tw.Agree([]string{"balance with a lock: 0"}, py))
}

func TestCompareShowsBothRunsAndTheirAgreement(t *testing.T) {
	clitest.RequirePython(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-compare", "-n", "100000"}))
	assert.Contains(t, out.String(), "go run ./06-lock -tutorial-only")
	assert.Contains(t, out.String(), "python3 do_lock.py 100000", "-n goes to the twin too")
	assert.Regexp(t, `(?m)^balance with a lock: 0 +  = balance with a lock: 0$`, out.String())
	assert.Contains(t, out.String(), "The two runs agree")
	assert.Contains(t, out.String(), maskNote)
	assert.NotContains(t, out.String(), "--- Go notes ---")
	clitest.RequireLinesFit(t, out.String())
}

func TestCompareSaysWhenTheRunsDiffer(t *testing.T) {
	clitest.RequirePython(t)
	tw := pythonTwin(twinTimes)
	// A twin of the twin whose lock does not guard the balance's second
	// change: its locked line is no longer 0.
	tw.Source = bytes.Replace(tw.Source, []byte("print('balance with a lock: %d' % balance)"),
		[]byte("print('balance with a lock: %d' % (balance + 1))"), 1)
	require.NotEqual(t, pythonTwin(twinTimes).Source, tw.Source)
	var out bytes.Buffer
	err := compare(t.Context(), &out, tw, twinTimes)
	require.ErrorIs(t, err, twin.ErrDiffer)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Contains(t, out.String(), "The two runs differ")
}

func TestCompareWithoutPythonIsOneLineAndExit1(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-compare", "-n", "1000"})
	require.ErrorIs(t, err, twin.ErrNoPython)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, out.String(), "nothing runs without python3")
}
