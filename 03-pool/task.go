package main

import (
	"context"
	"fmt"
	"time"
)

// fault is a failure planned for a task, so that the demo and the tests can
// see what the pool does with one. The empty fault is none.
type fault string

const (
	faultError fault = "error" // the task returns an error (-fail)
	faultPanic fault = "panic" // the task panics (-panic)
	faultCrash fault = "crash" // the worker process running it exits (-crash)
)

// crashStatus is the exit status of a worker process that crashes on purpose.
const crashStatus = 3

// job is one task of the pool as the parent hands it out, in both modes. In
// process mode it travels to a worker process as one JSON line.
type job struct {
	Task  int           `json:"task"`
	Sleep time.Duration `json:"sleep"`
	Fault fault         `json:"fault,omitempty"`
}

// perform is the task itself, the tutorial's long_time_task without its
// prints: sleep, then fail in the way planned for it, if any. The sleep ends
// early when ctx does.
//
// A panic becomes the task's error here, as an exception inside a Python Pool
// task becomes the stored result of apply_async. The difference is what
// happens next: the tutorial never asks for that result, so its failure is
// lost, while this pool reports every error with its task number.
func perform(ctx context.Context, j job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	timer := time.NewTimer(j.Sleep)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return interrupted(ctx)
	}
	switch j.Fault {
	case faultError:
		return fmt.Errorf("planned failure (-fail %d)", j.Task)
	case faultPanic:
		panic(fmt.Sprintf("planned panic (-panic %d)", j.Task))
	}
	return nil
}

// interrupted is the error of a task that ctx stopped or kept from starting.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("interrupted: %w", context.Cause(ctx))
}
