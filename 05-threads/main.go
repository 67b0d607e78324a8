// Command 05-threads ports the 多线程 (threads) section of Liao Xuefeng's
// Python tutorial (https://liaoxuefeng.com/books/python/process-thread/thread/index.html):
// the main flow starts a second flow named LoopThread, which counts to five
// with a pause after each step, and waits for it to end. In Go the second
// flow is a goroutine, and because goroutines have no names it is handed its
// name. After the tutorial's nine lines, the Go notes (notes.go) show what a
// goroutine is underneath: thousands of them parked on a handful of OS
// threads.
//
//	go run ./05-threads                       # the nine lines, then the Go notes
//	go run ./05-threads -tutorial-only        # the nine lines and nothing else
//	go run ./05-threads -compare -interval 200ms   # beside multi_threading.py
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"multitask/internal/cli"
)

func main() {
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run prints the tutorial's nine lines and then the Go notes, or, with
// -compare, the nine lines beside the Python twin's (python_twin.go).
func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if opts.compare {
		return compareWithPython(ctx, stdout, opts.interval)
	}
	if err := mainThread(ctx, stdout, opts.interval); err != nil {
		return err
	}
	if opts.tutorialOnly {
		return nil
	}
	return printNotes(ctx, stdout, opts.goroutines)
}

// steps is how far LoopThread counts, as in the tutorial.
const steps = 5

// mainThread is the tutorial's main program. The main flow of a Go program is
// the main goroutine, which has no name either, so the name is a constant.
func mainThread(ctx context.Context, w io.Writer, interval time.Duration) error {
	const name = "MainThread"
	fmt.Fprintf(w, "thread %s is running...\n", name)

	// wg.Go is threading.Thread(target=loop).start(), and wg.Wait is
	// join(). The goroutine's error is read only after Wait, which orders
	// the write to loopErr before the read.
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
