package main

// -compare: the tutorial's nine lines beside those of the Python twin,
// multi_threading.py, a program written for this project that does what the
// tutorial's does.

import (
	"context"
	_ "embed"
	"io"
	"strconv"
	"time"

	"multitask/internal/twin"
)

//go:embed multi_threading.py
var pythonTwinSource []byte

// pythonTwin is multi_threading.py set to pause interval after each step.
// The tutorial's one second is the script's default, so both sides get an
// argument only for another interval, and the columns' titles say which.
func pythonTwin(interval time.Duration) twin.Twin {
	tw := twin.Twin{
		Name:   "multi_threading.py",
		Source: pythonTwinSource,
		Masks:  twin.Numbers,
		// Five pauses, and time for python3 to start on a loaded machine.
		Timeout: steps*interval + 30*time.Second,
	}
	if interval != time.Second {
		tw.Args = []string{strconv.FormatFloat(interval.Seconds(), 'f', -1, 64)}
		tw.GoArgs = []string{"-interval", interval.String()}
	}
	return tw
}

// compareWithPython runs the lesson as -tutorial-only does into a buffer,
// then the twin, and shows both; twin.ErrDiffer if they do not agree.
func compareWithPython(ctx context.Context, stdout io.Writer, interval time.Duration) error {
	return pythonTwin(interval).Compare(ctx, stdout, "05-threads", func(w io.Writer) error {
		return mainThread(ctx, w, interval)
	})
}
