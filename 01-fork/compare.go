package main

import (
	"context"
	_ "embed"
	"io"
	"regexp"

	"multitask/internal/twin"
)

// doForkPy is the lesson's Python twin: the tutorial's program, written for
// this project.
//
//go:embed do_fork.py
var doForkPy []byte

// forkTwin says how to run do_fork.py and compare its lines with ours.
//
// PIDs are masked by their place in the line as well as by size, since a
// fresh container hands out PIDs below 100, which twin.Numbers leaves alone;
// the child's parent is masked too, because the tutorial's parent does not
// wait, and a child that outlives it reports its new parent (1, or a
// subreaper). Neither program fixes the order of the parent's and the
// child's lines, so they are compared as shapes and counts.
func forkTwin() twin.Twin {
	return twin.Twin{
		Name:   "do_fork.py",
		Source: doForkPy,
		Masks: append([]twin.Mask{
			{Pattern: regexp.MustCompile(`\(\d+\)`), Replace: "(#)"},
			{Pattern: regexp.MustCompile(`my parent is \d+\.`), Replace: "my parent is #."},
		}, twin.Numbers...),
		Unordered: true,
	}
}

// compare runs the lesson with -tutorial-only and the twin with python3, one
// after the other, and shows the two side by side.
func compare(ctx context.Context, stdout io.Writer, tw twin.Twin) error {
	return tw.Compare(ctx, stdout, "01-fork", func(w io.Writer) error {
		return run(ctx, w, []string{"-tutorial-only"})
	})
}
