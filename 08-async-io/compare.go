package main

import (
	"context"
	_ "embed"
	"io"

	"multitask/internal/twin"
)

// pythonTwin is the tutorial's coroutine.py as this project writes it; see
// its header.
//
//go:embed coroutine.py
var pythonTwin []byte

// twinOf is how -compare and the tests run and compare the twin. The lines
// have no PIDs or times, and come in one fixed order on both sides; the
// masks are the project's usual ones all the same.
var twinOf = twin.Twin{Name: "coroutine.py", Source: pythonTwin, Masks: twin.Numbers}

// compareWithPython runs the lesson with -tutorial-only into a buffer, then
// the Python twin, and shows the two side by side.
func compareWithPython(ctx context.Context, stdout io.Writer) error {
	return twinOf.Compare(ctx, stdout, "08-async-io", func(w io.Writer) error {
		return run(ctx, w, []string{"-tutorial-only"})
	})
}
