package main

import (
	"flag"
	"io"

	"multitask/internal/cli"
)

// options are the lesson's flags.
type options struct {
	tutorialOnly bool // print the tutorial's two lines and nothing else
	compare      bool // show the two lines beside the Python twin's
}

// parseFlags parses args into options; bad input is one cli.UsageError line.
func parseFlags(stdout io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("07-threadlocal", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.BoolVar(&o.tutorialOnly, "tutorial-only", false, "print the tutorial's two lines and nothing else (no Go notes)")
	fs.BoolVar(&o.compare, "compare", false, "show -tutorial-only beside the Python twin use_threadlocal.py (runs python3)")
	err := cli.Parse(fs, args)
	return o, err
}
