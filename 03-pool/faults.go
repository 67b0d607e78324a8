package main

import "fmt"

// fault is a failure planned for a task (-fail, -panic, -crash), so that the
// demo and the tests can see what the pool does with one. The empty fault is
// none: the tutorial's tasks never fail.
type fault string

const (
	faultError fault = "error" // the task returns an error (-fail)
	faultPanic fault = "panic" // the task panics (-panic)
	faultCrash fault = "crash" // the worker process running it exits (-crash)
)

// crashStatus is the exit status of a worker process that crashes on purpose.
const crashStatus = 3

// strike makes task fail as planned, after its sleep. A crash is not struck
// here: the worker process does it (worker_process.go), since only a process
// can die alone.
//
// A panic becomes the task's error here, as an exception inside a Python Pool
// task becomes the stored result of apply_async. The difference is what
// happens next: the tutorial never asks for that result, so its failure is
// lost, while this pool reports every error with its task number.
func (f fault) strike(task int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	switch f {
	case faultError:
		return fmt.Errorf("planned failure (-fail %d)", task)
	case faultPanic:
		panic(fmt.Sprintf("planned panic (-panic %d)", task))
	}
	return nil
}
