package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"multitask/internal/child"
)

// workerRole is the child role of a worker process in -mode process.
const workerRole = "pool-worker"

func init() {
	child.Register(workerRole, serveWorker)
}

// reply is what a worker process answers for each job, as one JSON line:
// first with Started set when the task begins, then once more when it ends.
// At is the worker's wall clock, so the parent and the tests can see when
// the task really ran; Error is empty when the task succeeded.
type reply struct {
	Task    int           `json:"task"`
	PID     int           `json:"pid"`
	Started bool          `json:"started"`
	At      time.Time     `json:"at"`
	Elapsed time.Duration `json:"elapsed,omitempty"`
	Error   string        `json:"error,omitempty"`
}

// serveWorker is the main of a worker process: it runs jobs read from stdin
// until stdin ends, answering on stdout.
func serveWorker(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	// Ctrl-C in a terminal reaches every process of the foreground group,
	// workers included. The parent decides what a Ctrl-C means and kills its
	// workers itself, so they leave SIGINT to it.
	signal.Ignore(os.Interrupt)
	return work(context.Background(), os.Stdin, os.Stdout, os.Getpid(), func() { os.Exit(crashStatus) })
}

// work runs one job at a time from in and answers each on out, until in
// ends. crash is what a job planned to crash calls after its sleep.
func work(ctx context.Context, in io.Reader, out io.Writer, pid int, crash func()) error {
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	enc := json.NewEncoder(out)
	for {
		var j job
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			return nil // the parent has no more tasks
		} else if err != nil {
			return fmt.Errorf("read a task: %w", err)
		}
		start := time.Now()
		if err := enc.Encode(reply{Task: j.Task, PID: pid, Started: true, At: start}); err != nil {
			return fmt.Errorf("task %d: say it started: %w", j.Task, err)
		}
		err := perform(ctx, j)
		if j.Fault == faultCrash {
			crash()
		}
		end := reply{Task: j.Task, PID: pid, At: time.Now(), Elapsed: time.Since(start)}
		if err != nil {
			end.Error = err.Error()
		}
		if err := enc.Encode(end); err != nil {
			return fmt.Errorf("task %d: say it ended: %w", j.Task, err)
		}
	}
}
