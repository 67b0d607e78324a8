// Command 04-queue-ipc ports the 进程间通信 (inter-process communication)
// part of the 多进程 section of Liao Xuefeng's Python tutorial
// (https://liaoxuefeng.com/books/python/process-thread/process/index.html):
// a writer process puts A, B and C into a queue with a random pause after
// each, a reader process prints each value as it arrives, and the parent
// waits for the writer and then stops the reader.
//
// In Go the queue between the two processes is an OS pipe that the parent
// creates and hands to both children, carrying one JSON line per value. The
// reader ends by itself when the stream ends; -terminate shows the tutorial's
// way instead, where the parent kills a reader that would wait forever.
// -mode goroutine shows the same exchange inside one process, with two
// goroutines and a channel.
//
//	go run ./04-queue-ipc
//	go run ./04-queue-ipc -terminate -max-pause 0
//	go run ./04-queue-ipc -crash reader
//	go run ./04-queue-ipc -mode goroutine
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

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

// config is what the flags choose, and hold, which only tests set.
type config struct {
	mode      string
	maxPause  time.Duration
	terminate bool
	crash     string // "", "writer" or "reader"
	// hold ("", "writer" or "reader") stops one child of process mode at a
	// known point, so that a test can see what timing otherwise decides.
	// The writer waits after its first value until the parent has seen the
	// reader exit: use it with -crash reader. The reader waits before its
	// first value until it is terminated: use it with -terminate.
	hold string
}

// Modes and crash targets the flags accept.
const (
	modeProcess   = "process"
	modeGoroutine = "goroutine"
	roleWriter    = "writer"
	roleReader    = "reader"
)

// maxMaxPause bounds the writer's pause (the tutorial's is below a second),
// so that a mistyped value cannot keep the lesson waiting for days.
const maxMaxPause = time.Hour

// run parses the flags and runs the exchange in the chosen mode: the
// tutorial's lines first, then the Go notes.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	cfg, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if cfg.mode == modeGoroutine {
		return runGoroutines(ctx, stdout, cfg)
	}
	return runProcesses(ctx, stdout, cfg)
}

func parseFlags(stdout io.Writer, args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("04-queue-ipc", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&cfg.mode, "mode", defaultMode,
		"process: a writer and a reader process joined by a pipe (Unix only); goroutine: two goroutines and a channel")
	fs.DurationVar(&cfg.maxPause, "max-pause", time.Second,
		fmt.Sprintf("the writer pauses a random time below this after each value (0: no pause; at most %v)", maxMaxPause))
	fs.BoolVar(&cfg.terminate, "terminate", false,
		"stop the reader as the tutorial does, by terminating it, instead of letting it end at end of stream")
	fs.StringVar(&cfg.crash, "crash", "",
		"writer or reader: make that one panic right after the first value, to see how the parent reports it")
	if err := cli.Parse(fs, args); err != nil {
		return config{}, err
	}
	if cfg.mode != modeProcess && cfg.mode != modeGoroutine {
		return config{}, cli.Usagef("-mode must be %s or %s, got %q", modeProcess, modeGoroutine, cfg.mode)
	}
	if err := cli.NonNegative("max-pause", cfg.maxPause); err != nil {
		return config{}, err
	}
	if err := cli.DurationAtMost("max-pause", cfg.maxPause, maxMaxPause); err != nil {
		return config{}, err
	}
	if cfg.crash != "" && cfg.crash != roleWriter && cfg.crash != roleReader {
		return config{}, cli.Usagef("-crash must be %s or %s, got %q", roleWriter, roleReader, cfg.crash)
	}
	return cfg, nil
}

// goNotes is the line that separates the tutorial's output from what this
// port adds about Go.
const goNotes = "--- Go notes ---"

// printf writes one line of notes. Output errors are ignored here because
// the tutorial's lines, written first, would have failed already.
func printf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format+"\n", args...)
}
