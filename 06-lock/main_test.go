package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

// unlockedLine is the tutorial's first print(balance), the run without the
// lock; the second, with it, must read "balance with a lock: 0" exactly.
var unlockedLine = regexp.MustCompile(`^balance without a lock: (-?\d+)$`)

// balanceLine is one variant's line in the Go notes: its name, final
// balance and time.
var balanceLine = regexp.MustCompile(`^(.+?) +balance = (-?\d+) +\d+\.\dms$`)

// runLines runs the lesson with args and returns its output lines.
func runLines(t *testing.T, args ...string) []string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, args))
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// TestDefaultRunPrintsTheTutorialLinesThenEveryVariant checks the default
// output: the tutorial's two lines (the locked one at 0), then the Go notes
// with the four variants in order, the first two being the runs the
// tutorial's lines came from, and neither busy loops nor the deadlock demo.
func TestDefaultRunPrintsTheTutorialLinesThenEveryVariant(t *testing.T) {
	lines := runLines(t, "-n", "1000")
	out := strings.Join(lines, "\n")
	require.Greater(t, len(lines), 4+len(variants), "output:\n%s", out)

	unlocked := unlockedLine.FindStringSubmatch(lines[0])
	require.NotNil(t, unlocked, "line 1 = %q; want the balance without a lock", lines[0])
	assert.Equal(t, "balance with a lock: 0", lines[1])
	assert.Equal(t, "--- Go notes ---", lines[2])
	assert.Equal(t, "The same two goroutines, 1000 changes each, four ways (the first two are the lines above):", lines[3])
	for i, v := range variants {
		line := lines[4+i]
		m := balanceLine.FindStringSubmatch(line)
		require.NotNil(t, m, "line %d = %q; want a balance line", 5+i, line)
		assert.Equal(t, v.name, m[1])
		switch i {
		case 0:
			assert.Equal(t, unlocked[1], m[2], "the unsynchronised line is the run of the tutorial's first line")
		default:
			assert.Equal(t, "0", m[2], "%s must end at 0", v.name)
		}
	}
	assert.NotRegexp(t, `(?m)^busy loops on`, out)
	assert.NotRegexp(t, `(?m)^watchdog`, out)
}

// TestTutorialOnlyPrintsTheTwoLinesAndNothingElse: -tutorial-only is the
// tutorial's two print(balance) lines, no notes and no timings.
func TestTutorialOnlyPrintsTheTwoLinesAndNothingElse(t *testing.T) {
	lines := runLines(t, "-tutorial-only", "-n", "1000")
	require.Len(t, lines, 2, "output:\n%s", strings.Join(lines, "\n"))
	assert.Regexp(t, unlockedLine, lines[0])
	assert.Equal(t, "balance with a lock: 0", lines[1])
}

// TestSpinFlagPrintsTheFigure runs a short -spin through run and checks the
// line's shape in the notes; TestBusyLoopsUseEveryCPU checks the figure.
func TestSpinFlagPrintsTheFigure(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-n", "1000", "-spin", "20ms"}))
	assert.Regexp(t, `(?m)^--- Go notes ---\n(.*\n){5}busy loops on \d+ CPUs? used \d+\.\d\d CPUs$`, out.String())
	assert.Contains(t, out.String(), "CPU time is from "+cpuTimeSource)
}

// TestEveryOutputLineFitsHundredColumns runs the default and the run with
// every part of the notes, and checks that no line wraps on a 100-column
// terminal.
func TestEveryOutputLineFitsHundredColumns(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"-n", "10000", "-spin", "20ms", "-gil", "-deadlock"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			clitest.RequireLinesFit(t, strings.Join(runLines(t, args...), "\n"))
		})
	}
}

func TestBadInputExitsWithStatus2(t *testing.T) {
	const huge = "9223372036854775807"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-n", "0"}, "-n must be at least 1, got 0"},
		{[]string{"-n", "-5"}, "-n must be at least 1, got -5"},
		{[]string{"-n", "10000001"}, "-n must be at most 10000000, got 10000001"},
		{[]string{"-n", huge}, "-n must be at most 10000000, got " + huge},
		{[]string{"-n", "many"}, `06-lock: invalid value "many" for flag -n: parse error`},
		{[]string{"-spin", "0"}, "-spin must be above zero, got 0s"},
		{[]string{"-spin", "-1s"}, "-spin must be above zero, got -1s"},
		{[]string{"-spin", "61s"}, "-spin must be at most 1m0s, got 1m1s"},
		{[]string{"-spin", huge + "ns"}, "-spin must be at most 1m0s, got 2562047h47m16.854775807s"},
		{[]string{"-spin", "2"}, `06-lock: invalid value "2" for flag -spin: parse error`},
		{[]string{"-deadlock", "-watchdog", "0"}, "-watchdog must be at least 10ms, got 0s"},
		{[]string{"-deadlock", "-watchdog", "1ns"}, "-watchdog must be at least 10ms, got 1ns"},
		{[]string{"-deadlock", "-watchdog", "9ms"}, "-watchdog must be at least 10ms, got 9ms"},
		{[]string{"-deadlock", "-watchdog", "61s"}, "-watchdog must be at most 1m0s, got 1m1s"},
		{[]string{"-deadlock", "-watchdog", huge + "ns"}, "-watchdog must be at most 1m0s, got 2562047h47m16.854775807s"},
		{[]string{"-watchdog", "1s"}, "-watchdog only applies with -deadlock"},
		{[]string{"-gil"}, "-gil only applies with -spin"},
		{[]string{"-tutorial-only", "-spin", "1s"}, "-spin adds to the Go notes, which -tutorial-only and -compare leave out"},
		{[]string{"-compare", "-deadlock"}, "-deadlock adds to the Go notes, which -tutorial-only and -compare leave out"},
		{[]string{"-nope"}, "06-lock: flag provided but not defined: -nope"},
		{[]string{"extra"}, `06-lock: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, refuseOnly, tt.args, tt.want)
		})
	}
}

// refuseOnly is run for input that parseFlags refuses, and a failure for
// input it accepts: a bad value that slipped through would otherwise start
// the work it asks for (a watchdog of 292 years, or ten billion changes)
// and the test would hang instead of failing.
func refuseOnly(ctx context.Context, stdout io.Writer, args []string) error {
	if _, err := parseFlags(io.Discard, args); err == nil {
		return fmt.Errorf("parseFlags accepted %q", args)
	}
	return run(ctx, stdout, args)
}

// TestBoundsAreAcceptedAtTheEdges: the bounds themselves are valid values,
// so a bound off by one would refuse them.
func TestBoundsAreAcceptedAtTheEdges(t *testing.T) {
	for _, args := range [][]string{
		{"-n", fmt.Sprint(maxN), "-spin", "1m", "-deadlock", "-watchdog", "1m"},
		{"-n", "1", "-deadlock", "-watchdog", "10ms"},
	} {
		opts, err := parseFlags(new(bytes.Buffer), args)
		require.NoError(t, err, "args %q", args)
		assert.True(t, opts.deadlock)
	}
}

func TestHelpListsTheFlagsAndTheirBounds(t *testing.T) {
	clitest.RequireHelp(t, run, "-n", "-spin", "-deadlock", "-watchdog", "-gil", "-tutorial-only", "-compare")
	var out bytes.Buffer
	_ = run(t.Context(), &out, []string{"-h"})
	for _, bound := range []string{"(1 to 10000000)", "at most 1m0s", "(10ms to 1m0s)"} {
		assert.Contains(t, out.String(), bound, "-h must show the bound")
	}
}
