package main

// -compare: the tutorial's two lines beside those of the Python twin,
// use_threadlocal.py, a program written for this project that does what the
// tutorial's does.

import (
	"context"
	_ "embed"
	"io"

	"multitask/internal/twin"
)

//go:embed use_threadlocal.py
var pythonTwinSource []byte

// pythonTwin is use_threadlocal.py. Its two threads print on their own, so
// Bob may come first; the lines are compared as shapes and counts.
func pythonTwin() twin.Twin {
	return twin.Twin{
		Name:      "use_threadlocal.py",
		Source:    pythonTwinSource,
		Masks:     twin.Numbers,
		Unordered: true,
	}
}

// compareWithPython prints, into a buffer, what -tutorial-only prints, then
// runs the twin and shows both; twin.ErrDiffer if they do not agree.
func compareWithPython(ctx context.Context, stdout io.Writer) error {
	return pythonTwin().Compare(ctx, stdout, "07-threadlocal", func(w io.Writer) error {
		printLines(w, inGoroutines(threads, processThread))
		return nil
	})
}
