package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"multitask/internal/cli"
)

// maxGoroutines keeps -goroutines within what an ordinary machine can hold:
// a parked goroutine costs a few kilobytes, so a million of them is a few
// gigabytes, and a larger number would end in the out-of-memory killer
// instead of in a clear message.
const maxGoroutines = 1_000_000

// maxInterval bounds LoopThread's pause: five steps of a minute each is
// already a long wait for a lesson.
const maxInterval = time.Minute

// options are the lesson's flags, checked.
type options struct {
	interval     time.Duration // LoopThread's pause after each step
	goroutines   int           // how many goroutines the Go notes park
	tutorialOnly bool          // print the tutorial's nine lines and nothing else
	compare      bool          // show the nine lines beside the Python twin's
}

// parseFlags parses args into options; bad input is one cli.UsageError line.
func parseFlags(stdout io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("05-threads", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.DurationVar(&o.interval, "interval", time.Second,
		fmt.Sprintf("LoopThread's pause after each step (above 0, at most %v; -compare passes it on)", maxInterval))
	fs.IntVar(&o.goroutines, "goroutines", 10_000,
		fmt.Sprintf("how many goroutines to park for the Go notes (1 to %d)", maxGoroutines))
	fs.BoolVar(&o.tutorialOnly, "tutorial-only", false, "print the tutorial's nine lines and nothing else (no Go notes)")
	fs.BoolVar(&o.compare, "compare", false,
		"show -tutorial-only beside the Python twin multi_threading.py (runs python3)")
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	if err := cli.PositiveDuration("interval", o.interval); err != nil {
		return o, err
	}
	if err := cli.DurationAtMost("interval", o.interval, maxInterval); err != nil {
		return o, err
	}
	if err := cli.Positive("goroutines", o.goroutines); err != nil {
		return o, err
	}
	if err := cli.AtMost("goroutines", o.goroutines, maxGoroutines); err != nil {
		return o, err
	}
	// -goroutines only sizes the Go notes; where they are left out, a
	// value for it would be silently ignored, so it is refused instead.
	if o.tutorialOnly || o.compare {
		set := false
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "goroutines" })
		if set {
			return o, cli.Usagef("-goroutines sizes the Go notes, which -tutorial-only and -compare leave out")
		}
	}
	return o, nil
}
