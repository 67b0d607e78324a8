package main

import (
	"flag"
	"fmt"
	"io"

	"multitask/internal/cli"
)

// maxChildren keeps a typo such as -children 100000 from flooding the machine
// with processes.
const maxChildren = 64

// options are the lesson's flags, checked.
type options struct {
	children     int
	tutorialOnly bool
	compare      bool
}

func parseFlags(stdout io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("01-fork", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.IntVar(&o.children, "children", 1, fmt.Sprintf("how many child processes to start (1 to %d); the tutorial starts one", maxChildren))
	fs.BoolVar(&o.tutorialOnly, "tutorial-only", false, "print the tutorial's lines and nothing else (no Go notes)")
	fs.BoolVar(&o.compare, "compare", false, "show this lesson's -tutorial-only run beside its Python twin, do_fork.py (needs python3)")
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	if err := cli.Positive("children", o.children); err != nil {
		return o, err
	}
	if err := cli.AtMost("children", o.children, maxChildren); err != nil {
		return o, err
	}
	// The twin forks one child, as the tutorial does: a comparison with more
	// children on the Go side would only show that difference.
	if o.compare && o.children != 1 {
		return o, cli.Usagef("-compare runs the tutorial's program, one child on each side: it takes no -children")
	}
	return o, nil
}
