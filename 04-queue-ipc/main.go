// Command 04-queue-ipc ports the 进程间通信 (inter-process communication)
// part of the 多进程 section of Liao Xuefeng's Python tutorial
// (https://liaoxuefeng.com/books/python/process-thread/process/index.html):
// a writer process puts A, B and C into a queue with a random pause after
// each, a reader process prints each value as it arrives, and the parent
// waits for the writer and then stops the reader.
//
// This file is the tutorial's program: write, read, and the parent's code.
// The queue between the two processes is an OS pipe the parent makes and
// hands to both children (pipes.go), carrying one JSON line per value
// (wire.go). The reader ends by itself when the stream ends; -terminate
// shows the tutorial's way instead, where the parent terminates a reader
// that would wait forever. -mode goroutine runs the same write and read in
// two goroutines joined by a channel (goroutines.go).
//
//	go run ./04-queue-ipc
//	go run ./04-queue-ipc -compare          # beside the Python twin, do_queue.py
//	go run ./04-queue-ipc -terminate -max-pause 0
//	go run ./04-queue-ipc -mode goroutine
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve()
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run parses the flags (flags.go) and runs the tutorial's program: the
// tutorial's lines first, then the Go notes (notes.go); or, with -compare,
// beside the Python twin (compare.go).
func run(ctx context.Context, stdout io.Writer, args []string) error {
	cfg, err := parseFlags(stdout, args)
	switch {
	case err != nil:
		return err
	case cfg.compare:
		return compare(ctx, stdout, cfg)
	case cfg.mode == modeGoroutine:
		return runGoroutines(ctx, stdout, cfg)
	}
	return runProcesses(ctx, stdout, cfg)
}

// values are what the writer puts into the queue, in this order.
var values = []string{"A", "B", "C"}

// write is the tutorial's write(q), run in the writer process (or
// goroutine): it prints its PID, then announces and puts each value and
// pauses, as the Python code does. The pause after the last value is what,
// in the tutorial, usually gives the reader time to get C before it is
// terminated.
func write(out io.Writer, pid int, put func(string) error, pause func()) error {
	if _, err := fmt.Fprintf(out, "Process to write: %d\n", pid); err != nil {
		return err
	}
	for _, v := range values {
		if _, err := fmt.Fprintf(out, "Put %s to queue...\n", v); err != nil {
			return err
		}
		if err := put(v); err != nil { // q.put(value)
			return fmt.Errorf("put %s: %w", v, err)
		}
		pause() // time.sleep(random.random())
	}
	return nil
}

// read is the tutorial's read(q), run in the reader process (or goroutine):
// it prints its PID, then each value as it arrives. Unlike the Python loop
// it ends: get returns io.EOF once the writer is gone and the queue is
// empty.
func read(out io.Writer, pid int, get func() (string, error)) error {
	if _, err := fmt.Fprintf(out, "Process to read: %d\n", pid); err != nil {
		return err
	}
	for {
		v, err := get() // q.get(True)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get: %w", err)
		}
		if _, err := fmt.Fprintf(out, "Get %s from queue.\n", v); err != nil {
			return err
		}
	}
}

// runProcesses is the tutorial's main block. The writer and the reader are
// this binary re-run as child:writer and child:reader (internal/child),
// which call write and read (children.go).
func runProcesses(ctx context.Context, stdout io.Writer, cfg config) error {
	q, err := newPipes(stdout, cfg) // q = Queue(), and the pipes Go adds
	if err != nil {
		return err
	}
	defer q.close()
	pw, err := q.start(ctx, roleWriter) // pw = Process(target=write); pw.start()
	if err != nil {
		return err
	}
	pr, err := q.start(ctx, roleReader) // pr = Process(target=read); pr.start()
	if err != nil {
		return err // q.close kills the writer
	}
	// The children hold their ends of the pipes now. The parent closes its
	// own copies, so that the reader sees end of stream when the writer
	// exits; with -terminate it keeps its write end open, as Python's
	// parent keeps its Queue, and the reader waits until it is terminated.
	q.handOver()
	writeErr := pw.join() // pw.join()
	if cfg.terminate {
		pr.terminate() // pr.terminate(): SIGTERM
	}
	readErr := pr.join()
	return q.finish(pw, writeErr, pr, readErr)
}
