package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// balanceLine is one variant's line: its name, final balance and time.
var balanceLine = regexp.MustCompile(`^(.+?) +balance = (-?\d+) +\d+\.\dms$`)

// TestDefaultRunPrintsEveryVariantThenNotes checks the default output: the
// four balances in the tutorial's order (the synchronised ones at 0), then
// the Go notes, and neither busy loops nor the deadlock demo.
func TestDefaultRunPrintsEveryVariantThenNotes(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-n", "1000"}))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Greater(t, len(lines), len(variants), "output:\n%s", out.String())

	for i, v := range variants {
		m := balanceLine.FindStringSubmatch(lines[i])
		require.NotNil(t, m, "line %d = %q; want a balance line", i+1, lines[i])
		assert.Equal(t, v.name, m[1])
		if i > 0 {
			assert.Equal(t, "0", m[2], "%s must end at 0", v.name)
		}
	}
	assert.Equal(t, "--- Go notes ---", lines[len(variants)])
	assert.NotRegexp(t, `(?m)^busy loops on`, out.String())
	assert.NotRegexp(t, `(?m)^watchdog`, out.String())
}

// TestSpinFlagPrintsTheFigure runs a short -spin through run and checks the
// line's shape; TestBusyLoopsUseEveryCPU checks the figure itself.
func TestSpinFlagPrintsTheFigure(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-n", "1000", "-spin", "20ms"}))
	assert.Regexp(t, `(?m)^busy loops on \d+ CPUs? used \d+\.\d\d CPUs\n--- Go notes ---$`, out.String())
	assert.Contains(t, out.String(), "CPU time is from "+cpuTimeSource)
}

func TestBadInputExitsWithStatus2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "-n must be at least 1, got 0"},
		{[]string{"-n", "-5"}, "-n must be at least 1, got -5"},
		{[]string{"-n", "20000000"}, "-n must be at most 10000000, got 20000000"},
		{[]string{"-n", "many"}, `06-lock: invalid value "many" for flag -n: parse error`},
		{[]string{"-spin", "0"}, "-spin must be above zero, got 0s"},
		{[]string{"-spin", "-1s"}, "-spin must be above zero, got -1s"},
		{[]string{"-spin", "2"}, `06-lock: invalid value "2" for flag -spin: parse error`},
		{[]string{"-deadlock", "-watchdog", "0"}, "-watchdog must be above zero, got 0s"},
		{[]string{"-watchdog", "1s"}, "-watchdog only applies with -deadlock"},
		{[]string{"-gil"}, "-gil only applies with -spin"},
		{[]string{"-nope"}, "06-lock: flag provided but not defined: -nope"},
		{[]string{"extra"}, `06-lock: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.want)
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	clitest.RequireHelp(t, run, "-n", "-spin", "-deadlock", "-watchdog", "-gil")
}
