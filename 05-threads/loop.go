package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// steps is how far LoopThread counts, as in the tutorial.
const steps = 5

// mainThread is the tutorial's main program. The main flow of a Go program is
// the main goroutine, which has no name either, so the name is a constant.
func mainThread(ctx context.Context, w io.Writer, interval time.Duration) error {
	const name = "MainThread"
	fmt.Fprintf(w, "thread %s is running...\n", name)

	// wg.Go is threading.Thread(...).start(), and wg.Wait is join(). The
	// goroutine's error is read only after Wait, which orders the write to
	// loopErr before the read.
	var wg sync.WaitGroup
	var loopErr error
	wg.Go(func() { loopErr = loop(ctx, w, "LoopThread", interval) })
	wg.Wait()
	if loopErr != nil {
		return loopErr
	}

	fmt.Fprintf(w, "thread %s ended.\n", name)
	return nil
}

// loop is the body of LoopThread. Python's loop asks
// threading.current_thread() for its name; a goroutine cannot ask who it is,
// so the name arrives as an argument. Like the Python loop it pauses after
// every step, the last one included.
//
// A goroutine cannot be stopped from outside, so loop watches ctx: Ctrl-C
// ends the pause at once, and the goroutine returns by itself.
func loop(ctx context.Context, w io.Writer, name string, interval time.Duration) error {
	fmt.Fprintf(w, "thread %s is running...\n", name)
	for n := 1; n <= steps; n++ {
		fmt.Fprintf(w, "thread %s >>> %d\n", name, n)
		select {
		case <-ctx.Done():
			return fmt.Errorf("thread %s stopped after step %d: %w", name, n, context.Cause(ctx))
		case <-time.After(interval):
		}
	}
	fmt.Fprintf(w, "thread %s ended.\n", name)
	return nil
}
