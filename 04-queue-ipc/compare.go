package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"multitask/internal/twin"
)

// doQueuePy is the lesson's Python twin: the tutorial's program, written
// for this project.
//
//go:embed do_queue.py
var doQueuePy []byte

// pythonTwin compares by line shapes and counts, with PIDs masked: the
// order in which the writer's and the reader's lines interleave depends on
// how the two processes are scheduled, in Python as in Go.
var pythonTwin = twin.Twin{
	Name:      "do_queue.py",
	Source:    doQueuePy,
	Masks:     twin.Numbers,
	Unordered: true,
}

// compare runs the lesson with -tutorial-only into a buffer, then the
// Python twin, and shows the two side by side. -mode, -max-pause and
// -terminate are passed on to the Go side (-crash is refused by
// parseFlags). Values the Go run lost (-terminate -max-pause 0) are shown
// as the lines that are missing, instead of ending the comparison.
func compare(ctx context.Context, stdout io.Writer, cfg config) error {
	cfg.compare, cfg.tutorialOnly = false, true
	runGo := runProcesses
	if cfg.mode == modeGoroutine {
		runGo = runGoroutines
	}
	var shown bytes.Buffer
	err := pythonTwin.Compare(ctx, &shown, "04-queue-ipc", func(w io.Writer) error {
		err := runGo(ctx, w, cfg)
		if _, lost := errors.AsType[*lostValuesError](err); lost {
			return nil
		}
		return err
	})
	// The twin's closing sentence can be wider than a 100-column terminal;
	// it is wrapped like the notes. The columns are left as they are.
	for line := range strings.Lines(shown.String()) {
		line = strings.TrimSuffix(line, "\n")
		if utf8.RuneCountInString(line) > noteWidth {
			printNote(stdout, "%s", line)
		} else {
			fmt.Fprintln(stdout, line)
		}
	}
	return err
}
