package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"multitask/internal/cli"
)

// maxN keeps -n to what finishes in seconds: the channel variant, the
// slowest, needs a few hundred nanoseconds per change, so ten million
// changes per goroutine already take several seconds (the Python twin,
// given the same count under -compare, some ten), and none of it can be
// interrupted but by a second Ctrl-C.
const maxN = 10_000_000

// maxSpin bounds the busy loops, which keep every CPU busy for as long as
// they run: a minute is long enough to watch them in top.
const maxSpin = time.Minute

// minWatchdog and maxWatchdog bound the deadlock watchdog's period. Below
// 10ms, the time slice of both Go's scheduler and Linux's, transfers that
// only wait for a CPU look stuck: the watchdog then calls off the fixed
// lock order too, and at microseconds it fires before the goroutines have
// taken their first lock (measured with four other busy processes on 2
// CPUs, 100 runs each: the fixed order called off 8 times at 1ms, once at
// 5ms, never at 10ms). Above a minute the deadlock just sits there.
const (
	minWatchdog = 10 * time.Millisecond
	maxWatchdog = time.Minute
)

// options are the parsed and checked flags.
type options struct {
	n            int
	spin         time.Duration // 0: do not spin
	gil          bool
	deadlock     bool
	watchdog     time.Duration
	tutorialOnly bool // the tutorial's two lines and nothing else
	compare      bool // the two lines beside the Python twin's
}

// parseFlags reads and checks the flags; bad input is one cli.UsageError
// line.
func parseFlags(stdout io.Writer, args []string) (options, error) {
	fs := flag.NewFlagSet("06-lock", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var opts options
	fs.IntVar(&opts.n, "n", 1_000_000,
		fmt.Sprintf("how many times each goroutine changes the balance (1 to %d); -compare hands it to the Python twin too", maxN))
	fs.DurationVar(&opts.spin, "spin", 0,
		fmt.Sprintf("run one busy loop per CPU for this long and print how many CPUs were used (above 0, at most %v; off when not given)", maxSpin))
	fs.BoolVar(&opts.gil, "gil", false, "with -spin: the busy loops share one lock, as CPython's threads share the GIL")
	fs.BoolVar(&opts.deadlock, "deadlock", false, "show a deadlock of two locks taken in opposite order, detected and broken, then the fix")
	fs.DurationVar(&opts.watchdog, "watchdog", 200*time.Millisecond,
		fmt.Sprintf("with -deadlock: how long the watchdog waits for progress (%v to %v)", minWatchdog, maxWatchdog))
	fs.BoolVar(&opts.tutorialOnly, "tutorial-only", false, "print the tutorial's two balance lines and nothing else (no Go notes)")
	fs.BoolVar(&opts.compare, "compare", false,
		"run -tutorial-only and the Python twin do_lock.py (needs python3), and show both side by side")
	if err := cli.Parse(fs, args); err != nil {
		return options{}, err
	}
	if err := cli.Positive("n", opts.n); err != nil {
		return options{}, err
	}
	if err := cli.AtMost("n", opts.n, maxN); err != nil {
		return options{}, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// -spin is off unless given, so a given -spin 0 is a mistake, not a
	// request to skip it.
	if given["spin"] {
		if err := cli.PositiveDuration("spin", opts.spin); err != nil {
			return options{}, err
		}
		if err := cli.DurationAtMost("spin", opts.spin, maxSpin); err != nil {
			return options{}, err
		}
	}
	if opts.gil && !given["spin"] {
		return options{}, cli.Usagef("-gil only applies with -spin")
	}
	if opts.watchdog < minWatchdog {
		return options{}, cli.Usagef("-watchdog must be at least %v, got %v", minWatchdog, opts.watchdog)
	}
	if err := cli.DurationAtMost("watchdog", opts.watchdog, maxWatchdog); err != nil {
		return options{}, err
	}
	if given["watchdog"] && !opts.deadlock {
		return options{}, cli.Usagef("-watchdog only applies with -deadlock")
	}
	// The busy loops and the deadlock are Go notes; where the notes are
	// left out, asking for them would be silently ignored, so it is
	// refused instead.
	if opts.tutorialOnly || opts.compare {
		for _, name := range []string{"spin", "gil", "deadlock", "watchdog"} {
			if given[name] {
				return options{}, cli.Usagef("-%s adds to the Go notes, which -tutorial-only and -compare leave out", name)
			}
		}
	}
	return opts, nil
}
