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

// A worker process is this program re-run in the role workerRole, through
// internal/child: Go cannot fork a copy of itself as Python's Pool does. `ps`
// shows the role's name, child:pool-worker.

// workerRole is the child role of a worker process.
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

// work runs one job at a time from in with longTimeTask (main.go) and answers
// each on out, until in ends. crash is what a job planned to crash calls
// after its sleep.
func work(ctx context.Context, in io.Reader, out io.Writer, pid int, crash func()) error {
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	lines := pipeLines{enc: json.NewEncoder(out), crash: crash}
	for {
		var j job
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			return nil // the parent has no more tasks
		} else if err != nil {
			return fmt.Errorf("read a task: %w", err)
		}
		lines.fault = j.Fault
		if err := longTimeTask(ctx, j, pid, lines); err != nil {
			return err
		}
	}
}

// pipeLines sends a task's two lines to the parent as replies: the worker's
// taskLines.
type pipeLines struct {
	enc   *json.Encoder
	fault fault  // the fault planned for the task in hand
	crash func() // how this process dies on -crash
}

func (p pipeLines) started(task, pid int, at time.Time) error {
	if err := p.enc.Encode(reply{Task: task, PID: pid, Started: true, At: at}); err != nil {
		return fmt.Errorf("task %d: say it started: %w", task, err)
	}
	return nil
}

// ended sends the task's end, unless the task is planned to crash its worker:
// then the process dies after the sleep, before it can answer.
func (p pipeLines) ended(task, pid int, at time.Time, elapsed time.Duration, err error) error {
	if p.fault == faultCrash {
		p.crash()
	}
	end := reply{Task: task, PID: pid, At: at, Elapsed: elapsed}
	if err != nil {
		end.Error = err.Error()
	}
	if err := p.enc.Encode(end); err != nil {
		return fmt.Errorf("task %d: say it ended: %w", task, err)
	}
	return nil
}
