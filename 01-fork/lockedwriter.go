package main

import (
	"io"
	"sync"
)

// lockedWriter lets several goroutines write to one writer. Each Write goes
// through whole, so a line written in one call stays one line.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
