package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"multitask/internal/child"
	"multitask/internal/syncwriter"
)

// childRole is the name under which this binary, started again, plays the
// child that os.fork() returns 0 in.
const childRole = "fork-child"

func init() {
	child.Register(childRole, func([]string) error { return reportChild(os.Stdout) })
}

// reportChild is the child's side of the tutorial: its own PID and its
// parent's, which the child has to ask the kernel for.
func reportChild(w io.Writer) error {
	_, err := fmt.Fprintf(w, "I am child process (%d) and my parent is %d.\n", os.Getpid(), os.Getppid())
	return err
}

// startChildren starts n children playing role, prints the parent's line for
// each as soon as it runs, and then waits for all of them, as a server that
// forks a child per request would. Every child that started is waited for,
// even when a later one fails to start, so none is left running.
func startChildren(ctx context.Context, out io.Writer, role string, n int) error {
	// The children write through pipes that os/exec drains in goroutines of
	// its own, while this goroutine prints too: one lock keeps the writes
	// apart. After the last Wait those goroutines are gone.
	out = syncwriter.New(out)
	var started []*exec.Cmd
	var errs []error
	for range n {
		cmd, err := child.Command(ctx, role)
		if err != nil {
			errs = append(errs, err)
			break
		}
		cmd.Stdout = out
		// A child's error message or panic is its own business to print, as
		// a Python child's traceback is: it goes straight to our stderr.
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			errs = append(errs, fmt.Errorf("start child process %s: %w", role, err))
			break
		}
		started = append(started, cmd)
		// fork() hands the parent the child's PID; os/exec keeps it in
		// cmd.Process.
		fmt.Fprintf(out, "I (%d) just created a child process (%d).\n", os.Getpid(), cmd.Process.Pid)
	}
	for _, cmd := range started {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("child process %s (pid %d) failed: %w", role, cmd.Process.Pid, err))
		}
	}
	return errors.Join(errs...)
}
