package main

// -compare: the tutorial's two balance lines beside those of the Python
// twin, do_lock.py, a program written for this project that does what the
// tutorial's does.

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"multitask/internal/twin"
)

//go:embed do_lock.py
var doLockPy []byte

// pythonTwin is do_lock.py with times changes per thread, as the Go side
// makes with -n.
//
// The balance without a lock is masked, on both sides: it is where the two
// really differ, and by chance. Go's goroutines run on every CPU at once and
// usually lose updates; CPython 3.10 and newer switch threads only at calls
// and loop jumps, never inside balance = balance + n, so the twin usually
// prints 0 (and a free-threaded CPython would not). Compared unmasked, the
// line would make the comparison fail on most runs and pass on some. So the
// mask compares its shape, the side by side still shows both values, and
// afterwards a note says so. The balance with a lock is 0 on both sides,
// always, and stays unmasked.
func pythonTwin(times int) twin.Twin {
	return twin.Twin{
		Name:   "do_lock.py",
		Source: doLockPy,
		Args:   []string{strconv.Itoa(times)},
		Masks: []twin.Mask{
			{Pattern: regexp.MustCompile(`^(balance without a lock:) -?\d+$`), Replace: "$1 #"},
		},
		// CPython takes about 1 s per million changes per thread (both
		// programs together), several times that on a busy machine.
		Timeout: 30*time.Second + time.Duration(times)*5*time.Microsecond,
	}
}

// maskNote follows the side by side, to say what the mask hides.
const maskNote = `The balance without a lock is compared by its shape (masked as #): there = stands for any number.
Go's goroutines run on every CPU at once and usually lose updates there, while CPython 3.10+
usually prints 0 (see the README). The balance with a lock must be 0 on both sides.`

// compareWithPython runs the lesson as -tutorial-only does into a buffer,
// then the twin, and shows both; twin.ErrDiffer if they do not agree.
func compareWithPython(ctx context.Context, stdout io.Writer, times int) error {
	return compare(ctx, stdout, pythonTwin(times), times)
}

// compare is compareWithPython with the twin given, so that a test can hand
// it a twin that prints something else.
func compare(ctx context.Context, stdout io.Writer, tw twin.Twin, times int) error {
	err := tw.Compare(ctx, stdout, "06-lock", func(w io.Writer) error {
		return run(ctx, w, []string{"-tutorial-only", "-n", strconv.Itoa(times)})
	})
	if err == nil || errors.Is(err, twin.ErrDiffer) {
		fmt.Fprintln(stdout, maskNote)
	}
	return err
}
