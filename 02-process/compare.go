package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"

	"multitask/internal/twin"
)

// The lesson's Python twins: the tutorial's two programs, written for this
// project.
var (
	//go:embed multi_processing.py
	multiProcessingPy []byte
	//go:embed do_subprocess.py
	doSubprocessPy []byte
)

// pidMasks hide PIDs by their place in the line as well as by size, since a
// fresh container hands out PIDs below 100, which twin.Numbers leaves alone.
var pidMasks = append([]twin.Mask{
	{Pattern: regexp.MustCompile(`^Parent process \d+\.$`), Replace: "Parent process #."},
	{Pattern: regexp.MustCompile(`\(\d+\)`), Replace: "(#)"},
}, twin.Numbers...)

// processTwin is multi_processing.py: its four lines come in a fixed order,
// as ours do.
func processTwin() twin.Twin {
	return twin.Twin{Name: "multi_processing.py", Source: multiProcessingPy, Masks: pidMasks}
}

// subprocessTwin is do_subprocess.py, which runs our default commands.
func subprocessTwin() twin.Twin {
	return twin.Twin{Name: "do_subprocess.py", Source: doSubprocessPy, Masks: pidMasks}
}

// compare shows each of the tutorial's programs beside its twin, one after
// the other: the Go side of each is the part of the -tutorial-only run that
// ports it, with the default flags. Both comparisons are shown even when the
// first differs.
func compare(ctx context.Context, stdout io.Writer, process, subprocess twin.Twin) error {
	const lesson = "02-process"
	// Without python3 there is nothing to compare: one line, before any
	// heading.
	if _, err := twin.Python(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "1/2 multiprocessing.Process: the first four lines of the Go run")
	err := process.Compare(ctx, stdout, lesson, func(w io.Writer) error {
		_, err := multiProcessing(ctx, w, runProcRole, "test")
		return err
	})
	if err != nil && !errors.Is(err, twin.ErrDiffer) {
		return err
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "2/2 subprocess: the rest of the Go run")
	err2 := subprocess.Compare(ctx, stdout, lesson, func(w io.Writer) error {
		opts, err := parseFlags(io.Discard, nil)
		if err != nil {
			return err
		}
		call, err := newCommand(ctx, "cmd", opts.cmd)
		if err != nil {
			return err
		}
		communicate, err := newCommand(ctx, "input-cmd", opts.inputCmd)
		if err != nil {
			return err
		}
		return doSubprocess(ctx, w, call, communicate, opts.input)
	})
	if err2 != nil && !errors.Is(err2, twin.ErrDiffer) {
		return err2
	}
	if err != nil {
		return err
	}
	return err2
}
