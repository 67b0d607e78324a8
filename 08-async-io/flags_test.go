package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"multitask/internal/clitest"
)

// huge is the largest int64, which the flag package takes for an int flag,
// and (as nanoseconds) for a duration flag.
const huge = "9223372036854775807"

// runWithin is run under a deadline: should a bound be missing, a test of
// it fails in seconds (run stops when its context ends) instead of running
// the hours the command line asked for.
func runWithin(ctx context.Context, stdout io.Writer, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return run(ctx, stdout, args)
}

func TestBadFlagsExitTwoWithOneLine(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-conns", "0"}, "-conns must be at least 1, got 0"},
		{[]string{"-conns", "many"}, `invalid value "many" for flag -conns`},
		{[]string{"-delay", "-1s"}, "-delay must not be negative, got -1s"},
		{[]string{"-idle", "0s"}, "-idle must be above zero, got 0s"},
		{[]string{"-tasks", "0"}, "-tasks must be at least 1, got 0"},
		{[]string{"-cpu-task", "0s"}, "-cpu-task must be above zero, got 0s"},
		{[]string{"-io-wait", "-5ms"}, "-io-wait must be above zero, got -5ms"},
		{[]string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"stray"}, `unexpected argument "stray"`},

		// Every count and duration has an upper bound, checked before the
		// descriptors or anything else.
		{[]string{"-conns", huge}, "-conns must be at most 25000, got " + huge},
		{[]string{"-conns", "25001"}, "-conns must be at most 25000, got 25001"},
		{[]string{"-delay", huge + "ns"}, "-delay must be at most 1m0s, got 2562047h47m16.854775807s"},
		{[]string{"-delay", "61s"}, "-delay must be at most 1m0s, got 1m1s"},
		{[]string{"-idle", huge + "ns"}, "-idle must be at most 1h0m0s, got 2562047h47m16.854775807s"},
		{[]string{"-tasks", huge}, "-tasks must be at most 1000, got " + huge},
		{[]string{"-tasks", "1001"}, "-tasks must be at most 1000, got 1001"},
		{[]string{"-cpu-task", huge + "ns"}, "-cpu-task must be at most 1s, got 2562047h47m16.854775807s"},
		{[]string{"-io-wait", huge + "ns"}, "-io-wait must be at most 1m0s, got 2562047h47m16.854775807s"},

		// Values within their bounds that together would run for hours.
		{[]string{"-sequential", "-conns", "25000", "-delay", "1m"},
			"-sequential with -conns 25000 and -delay 1m0s takes at least 416h40m0s per server, more than 5m0s"},
		{[]string{"-sequential", "-conns", "3001"},
			"-sequential with -conns 3001 and -delay 100ms takes at least 5m0.1s per server, more than 5m0s"},
		{[]string{"-tasks", "1000", "-cpu-task", "1s"}, "-tasks 1000 with -cpu-task 1s and -io-wait 20ms makes a study of at least"},
		{[]string{"-tasks", "1000", "-io-wait", "1m"}, "-tasks 1000 with -cpu-task 10ms and -io-wait 1m0s makes a study of at least"},

		// -compare runs only the tutorial's lines.
		{[]string{"-compare", "-conns", "10"}, "-compare shows only the tutorial's lines, which -conns does not change: drop -conns"},
		{[]string{"-compare", "-sequential"}, "which -sequential does not change"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, runWithin, tt.args, tt.want)
		})
	}
}

func TestTooManyConnsForTheDescriptorLimitIsUsage(t *testing.T) {
	// Within -conns' bound, but over the descriptor limit of the machine
	// these tests run on (20,000 hard); where the limit is higher there is
	// nothing to refuse.
	if !descriptorsBelow(t, 25_000+64) {
		t.Skip("the descriptor limit allows 25,000 connections here")
	}
	clitest.RequireUsageError(t, runWithin, []string{"-conns", "25000"}, "-conns 25000 needs about 25064 open descriptors per process")
}

func TestHelpListsFlagsAndBounds(t *testing.T) {
	clitest.RequireHelp(t, run, "-tutorial-only", "-compare",
		"-conns", "-delay", "-sequential", "-idle", "-tasks", "-cpu-task", "-io-wait")
	out := helpText(t)
	for _, bound := range []string{"(1 to 25000)", "(0 to 1m0s)", "(up to 1h0m0s)", "(1 to 1000;", "(up to 1s)", "(up to 1m0s)", "at most 5m0s"} {
		if !strings.Contains(out, bound) {
			t.Errorf("-h does not show the bound %q:\n%s", bound, out)
		}
	}
}

// helpText is what -h prints.
func helpText(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	_ = run(t.Context(), &out, []string{"-h"})
	return out.String()
}
