package main

import (
	"context"
	"fmt"
	"time"
)

// job is one task of the pool as the parent hands it out, in both modes. In
// process mode it travels to a worker process as one JSON line.
type job struct {
	Task  int           `json:"task"`
	Sleep time.Duration `json:"sleep"`
	Fault fault         `json:"fault,omitempty"`
}

// taskLines takes the tutorial's two lines of a task, as data: the report
// prints them (report.go), and in a worker process they go to the parent as
// JSON lines, which then prints them (worker_process.go). One printer for
// every process, so the lines of four processes never cut into each other.
//
// They return an error when the line could not be delivered: the pipe to the
// parent can break; the report never fails.
type taskLines interface {
	// started is "Run task %d (%d)...": task began in process pid at time at.
	started(task, pid int, at time.Time) error
	// ended is "Task %d runs %0.2f seconds.", or "Task %d failed: %v" when
	// err is not nil.
	ended(task, pid int, at time.Time, elapsed time.Duration, err error) error
}

// sleep is the task's time.sleep: it ends early, with the reason, when ctx
// does (Ctrl-C in goroutine mode; a worker process is killed instead).
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return interrupted(ctx)
	}
}

// interrupted is the error of a task that ctx stopped or kept from starting.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("interrupted: %w", context.Cause(ctx))
}
