package main

import (
	"context"
	_ "embed"
	"io"
	"regexp"
	"strconv"
	"time"

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
	tw := lessonTwin(cfg.maxSleep)
	// The title names the Go command that prints the left column.
	if cfg.mode != modeProcess {
		tw.GoArgs = append(tw.GoArgs, "-mode", cfg.mode)
	}
	if cfg.maxSleep != defaultMaxSleep {
		tw.GoArgs = append(tw.GoArgs, "-max-sleep", cfg.maxSleep.String())
	}
	err := tw.Compare(ctx, stdout, "03-pool", func(w io.Writer) error {
		return runPool(ctx, w, goCfg)
	})
	return err
}
