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

	"multitask/internal/twin"
)

// The Python twins: the tutorial's two scripts, written for this project.
var (
	//go:embed task_master.py
	taskMasterPy []byte
	//go:embed task_worker.py
	taskWorkerPy []byte
)

// pythonTwin compares the demo's lines with the Python pair's by shapes and
// counts: the master's and the worker's lines interleave as the processes
// are scheduled, in Python as in Go.
var pythonTwin = twin.Twin{
	Name:   "task_master.py",
	Source: taskMasterPy,
	Masks: []twin.Mask{
		// The Go worker names the master's host and port, as its -addr has
		// them; the tutorial's names the host only.
		{Pattern: regexp.MustCompile(`(Connect to server [^\s:]+):\d+`), Replace: "$1"},
		// The task numbers are random, from 0 to 10000: every number is
		// masked, however short.
		{Pattern: regexp.MustCompile(`\d+`), Replace: "#"},
	},
	Unordered: true,
}

// compare runs the demo with -tutorial-only and one worker, then the Python
// master with one Python worker, and shows the two side by side. One worker
// on each side, because the tutorial's page starts one, and because the
// shapes only agree with as many workers on both sides. -sleep goes to both
// sides; -idle, -timeout and -transport to the Go side (parseDemo refuses
// -workers and -tasks).
func compare(ctx context.Context, stdout io.Writer, c demoConfig) error {
	if _, err := twin.Python(); err != nil {
		return err
	}
	c.workers, c.tutorialOnly = 1, true
	var goOut bytes.Buffer
	if err := demo(ctx, &goOut, c); err != nil {
		return fmt.Errorf("the Go run: %w", err)
	}
	var pyOut bytes.Buffer
	if err := (pythonPair{tasks: c.tasks, workers: 1, pace: c.pace}).run(ctx, &pyOut); err != nil {
		return fmt.Errorf("%w; its output:\n%s", err, strings.TrimSpace(pyOut.String()))
	}

	goTitle := []string{"go run ./09-distributed", "-workers 1"}
	pyTitle := "python3 task_master.py + task_worker.py"
	if c.pace != time.Second {
		goTitle = append(goTitle, "-sleep "+c.pace.String())
		pyTitle += " --sleep " + strconv.FormatFloat(c.pace.Seconds(), 'f', -1, 64)
	}
	if c.transportName != defaultTransport {
		goTitle = append(goTitle, "-transport "+c.transportName)
	}
	goTitle = append(goTitle, "-tutorial-only")
	if !pythonTwin.SideBySide(stdout, strings.Join(goTitle, " "), pyTitle, twin.Lines(goOut.String()), twin.Lines(pyOut.String())) {
		return twin.ErrDiffer
	}
	return nil
}
