package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"multitask/internal/syncwriter"
)

var (
	// errReaderGone is what a writer goroutine gets when it puts a value
	// after the reader has stopped: the channel's counterpart of the broken
	// pipe (EPIPE) a writer process gets.
	errReaderGone = errors.New("the reader has stopped")
	// errStopped is what the reader goroutine's get returns once the parent
	// has told it to stop (-terminate in goroutine mode).
	errStopped = errors.New("told to stop")
)

// runGoroutines runs the same exchange inside this one process: the writer
// and the reader are goroutines and the queue is an unbuffered channel.
func runGoroutines(ctx context.Context, stdout io.Writer, cfg config) error {
	// Both goroutines print; the lock keeps their lines whole and makes the
	// order of lines the order in which they happened.
	lines := &tally{w: stdout}
	out := syncwriter.New(lines)
	pid := os.Getpid()
	queue := make(chan string)

	// ctx ends when the reader returns, so a writer waiting to hand over a
	// value that nobody will take gives up instead of waiting forever.
	ctx, readerGone := context.WithCancelCause(ctx)
	defer readerGone(nil)
	// readerCtx is how the parent tells the reader to stop (-terminate). A
	// goroutine cannot be killed from outside; it can only be asked.
	readerCtx, stopReader := context.WithCancel(ctx)
	defer stopReader()

	put := func(v string) error {
		select {
		case queue <- v:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	pause := func() {
		t := time.NewTimer(randomPause(cfg.maxPause))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	get := func() (string, error) {
		select {
		case v, ok := <-queue:
			if !ok {
				return "", io.EOF
			}
			return v, nil
		case <-readerCtx.Done():
			return "", errStopped
		}
	}
	// The reader reports what it receives as process mode's reader does;
	// here the report is a slice, read only after the reader has returned.
	var received []string
	get = reportingGet(get, func(v string) error {
		received = append(received, v)
		return nil
	})
	if cfg.crash == roleWriter {
		put = crashingPut(put)
	}
	if cfg.crash == roleReader {
		get = crashingGet(get)
	}

	var wg sync.WaitGroup
	var readErr error
	wg.Go(func() {
		readErr = safely(roleReader, func() error { return read(out, pid, get) })
		readerGone(errReaderGone)
	})
	writeDone := make(chan error, 1)
	wg.Go(func() {
		err := safely(roleWriter, func() error { return write(out, pid, put, pause) })
		// Closing the channel is the end of the stream: the reader's get
		// sees it after the last value. With -terminate the channel stays
		// open, as Python's parent keeps its Queue open, and the reader
		// has to be stopped.
		if !cfg.terminate {
			close(queue)
		}
		writeDone <- err
	})

	// The parent waits for the writer, then for the reader, which ends by
	// itself or, with -terminate, because it is told to.
	writeErr := <-writeDone
	if cfg.terminate {
		stopReader()
	}
	wg.Wait()
	lines.got = received
	stopped := cfg.terminate && errors.Is(readErr, errStopped)
	if stopped {
		readErr = nil
	}

	if !cfg.tutorialOnly {
		printGoroutineNotes(stdout, pid, writeErr, readErr, stopped, lines)
	}
	if writeErr == nil && readErr == nil {
		return lines.lostError()
	}
	return errors.Join(writeErr, readErr)
}

// printGoroutineNotes prints the Go notes of goroutine mode: one process,
// how each goroutine ended, and the values.
func printGoroutineNotes(stdout io.Writer, pid int, writeErr, readErr error, stopped bool, lines *tally) {
	printNote(stdout, goNotes)
	printNote(stdout, "writer and reader were two goroutines of one process (pid %d), joined by an unbuffered channel", pid)
	printNote(stdout, "writer: %s", goroutineEnd(writeErr, "put its values and returned"))
	if stopped {
		printNote(stdout, "reader: the parent cancelled its context after the writer returned; it stopped between two values, never inside one")
	} else {
		printNote(stdout, "reader: %s", goroutineEnd(readErr, "the writer closed the channel and the reader's loop ended by itself"))
	}
	printNote(stdout, "%s", lines.note())
}

// goroutineEnd says in a few words how a writer or reader goroutine ended.
func goroutineEnd(err error, ok string) string {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, errPanicked):
		return "panicked; the panic was recovered so it could be reported (unrecovered, it would have ended the whole process)"
	default:
		return "failed: " + err.Error()
	}
}

// errPanicked marks an error made from a recovered panic.
var errPanicked = errors.New("panicked")

// safely runs the writer or the reader and turns its error or panic into an
// error that names it. In a real program a panic in any goroutine ends the
// whole process, parent included; that is the isolation processes give and
// goroutines do not.
func safely(role string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s goroutine %w: %v", role, errPanicked, r)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("%s goroutine: %w", role, err)
	}
	return nil
}
