package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"multitask/internal/twin"
)

// pythonTwin is the tutorial's program written for this project; -compare
// runs it with python3.
//
//go:embed pooled_processing.py
var pythonTwin []byte

// twinMasks hide what differs between any two runs: PIDs, times. The PID in
// "Run task 4 (73)..." and "Parent process 73." is masked whatever its
// length (a container's PIDs can be small); twin.Numbers does the rest.
var twinMasks = append([]twin.Mask{
	{Pattern: regexp.MustCompile(`\(\d+\)\.\.\.$`), Replace: "(#)..."},
	{Pattern: regexp.MustCompile(`^Parent process \d+\.$`), Replace: "Parent process #."},
}, twin.Numbers...)

// lessonTwin is the Python twin of a run whose tasks sleep up to maxSleep.
// Which task ends first, and so the order of the lines, depends on random
// sleeps and the scheduler on both sides: the runs are compared as shapes and
// counts.
func lessonTwin(maxSleep time.Duration) twin.Twin {
	tw := twin.Twin{Name: "pooled_processing.py", Source: pythonTwin, Masks: twinMasks, Unordered: true}
	if maxSleep != defaultMaxSleep {
		tw.Args = []string{strconv.FormatFloat(maxSleep.Seconds(), 'f', -1, 64)}
	}
	return tw
}

// compare runs the lesson with -tutorial-only, then the twin, and shows the
// two side by side. -mode and -max-sleep go to the Go run, and -max-sleep to
// the twin too; flags.go refuses the others.
func compare(ctx context.Context, stdout io.Writer, cfg config) error {
	goCfg := cfg
	goCfg.compare, goCfg.tutorialOnly = false, true
	// The title names the Go command that prints the left column.
	lesson := []string{"03-pool"}
	if cfg.mode != modeProcess {
		lesson = append(lesson, "-mode", cfg.mode)
	}
	if cfg.maxSleep != defaultMaxSleep {
		lesson = append(lesson, "-max-sleep", cfg.maxSleep.String())
	}
	// Compare writes only once both runs are over, so nothing is lost by
	// holding its output to wrap it: its closing line is wider than a
	// 100-column terminal.
	var out bytes.Buffer
	err := lessonTwin(cfg.maxSleep).Compare(ctx, &out, strings.Join(lesson, " "), func(w io.Writer) error {
		return runPool(ctx, w, goCfg)
	})
	for _, line := range twin.Lines(out.String()) {
		if utf8.RuneCountInString(line) <= noteWidth {
			fmt.Fprintln(stdout, line)
			continue
		}
		for _, part := range wrap(line, noteWidth) {
			fmt.Fprintln(stdout, part)
		}
	}
	return err
}
