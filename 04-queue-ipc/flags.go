package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"multitask/internal/cli"
)

// config is what the flags choose, and hold, which only tests set.
type config struct {
	mode      string
	maxPause  time.Duration
	terminate bool
	crash     string // "", "writer" or "reader"
	// tutorialOnly prints the tutorial's lines and nothing else; compare
	// runs the lesson that way beside its Python twin (compare.go).
	tutorialOnly bool
	compare      bool
	// hold ("", "writer" or "reader") stops one child of process mode at a
	// known point, so that a test can see what timing otherwise decides
	// (hold.go).
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

// randomPause is how long the writer pauses: a random time in [0, max), as
// Python's random.random() seconds is in [0, 1). A max of zero means none.
func randomPause(maxPause time.Duration) time.Duration {
	if maxPause <= 0 {
		return 0
	}
	return rand.N(maxPause)
}

func parseFlags(stdout io.Writer, args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("04-queue-ipc", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&cfg.mode, "mode", defaultMode,
		"process: child processes and a pipe (Unix); goroutine: goroutines and a channel")
	fs.DurationVar(&cfg.maxPause, "max-pause", time.Second,
		fmt.Sprintf("the writer pauses a random time below this after each value (0: none; at most %v)", maxMaxPause))
	fs.BoolVar(&cfg.terminate, "terminate", false,
		"stop the reader as the tutorial does, with terminate(), not at the end of the stream")
	fs.StringVar(&cfg.crash, "crash", "",
		"writer or reader: make that one panic right after the first value, to see it reported")
	fs.BoolVar(&cfg.tutorialOnly, "tutorial-only", false,
		"print the tutorial's lines and nothing else (no Go notes)")
	fs.BoolVar(&cfg.compare, "compare", false,
		"show -tutorial-only beside the Python twin do_queue.py (needs python3)")
	if err := cli.Parse(fs, args); err != nil {
		return config{}, err
	}
	if cfg.mode != modeProcess && cfg.mode != modeGoroutine {
		return config{}, cli.Usagef("-mode must be %s or %s, got %q", modeProcess, modeGoroutine, cfg.mode)
	}
	if cfg.mode == modeProcess {
		if err := processModeSupported(); err != nil {
			return config{}, err
		}
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
	if cfg.compare && cfg.crash != "" {
		return config{}, cli.Usagef("-compare cannot take -crash: the Python twin has no crash to compare with")
	}
	return cfg, nil
}
