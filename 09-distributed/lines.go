package main

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// lineMux lets several writers share one output a whole line at a time, each
// line started with its writer's prefix: the master, its notes and the
// worker processes all print at once in the demo.
type lineMux struct {
	mu sync.Mutex
	w  io.Writer
}

func newLineMux(w io.Writer) *lineMux { return &lineMux{w: w} }

// writer returns a writer whose lines go out with prefix in front.
func (m *lineMux) writer(prefix string) *lineWriter {
	return &lineWriter{mux: m, prefix: []byte(prefix)}
}

// lineWriter collects what is written to it and passes it on line by line.
// It is safe for concurrent use; Flush passes on a last unfinished line.
type lineWriter struct {
	mux    *lineMux
	prefix []byte

	mu      sync.Mutex
	partial []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	rest := l.partial
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		if err := l.emit(rest[:i+1]); err != nil {
			return 0, err
		}
		rest = rest[i+1:]
	}
	l.partial = append(l.partial[:0], rest...)
	return len(p), nil
}

// Flush writes out a last line that did not end in a newline.
func (l *lineWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) == 0 {
		return nil
	}
	err := l.emit(append(l.partial, '\n'))
	l.partial = l.partial[:0]
	return err
}

// emit writes one line, prefix and all, in one Write under the mux's lock.
func (l *lineWriter) emit(line []byte) error {
	l.mux.mu.Lock()
	defer l.mux.mu.Unlock()
	_, err := l.mux.w.Write(append(l.prefix[:len(l.prefix):len(l.prefix)], line...))
	return err
}

// labels returns how the demo names who printed a line, "master" or
// "worker N", padded so that the lines of up to workers workers line up.
func labels(workers int) func(name string) string {
	width := len(fmt.Sprint("worker ", workers))
	return func(name string) string { return fmt.Sprintf("%-*s | ", width, name) }
}
