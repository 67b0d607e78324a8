// Package syncwriter lets several goroutines write to one io.Writer, as the
// lessons do when two child processes or goroutines print to one output.
// exec.Cmd copies a child's output with a goroutine of its own whenever
// Stdout is not a file, so two children sharing a bytes.Buffer would write
// it at once: a data race, and lines cut into each other.
package syncwriter

import (
	"io"
	"sync"
)

// Writer passes each Write on to the writer beneath under one lock, so a
// line written in one call stays whole and the writer beneath is never used
// by two goroutines at once.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
