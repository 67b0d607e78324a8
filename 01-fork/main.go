// Command 01-fork ports the first example of the tutorial's 多进程
// (multiprocessing) section, os.fork():
// https://liaoxuefeng.com/books/python/process-thread/process/index.html
//
// A process prints its PID and starts a child; the parent prints the PID of
// the child it created, and the child prints its own PID and its parent's.
// Go has no fork(), so the child is this same binary started again and told
// to play the child (see [multitask/internal/child]); notes.go shows why,
// after the tutorial's lines.
//
// Run it from the repository root:
//
//	go run ./01-fork                  # the tutorial's lines, then the Go notes
//	go run ./01-fork -tutorial-only   # the tutorial's lines and nothing else
//	go run ./01-fork -compare         # beside the Python twin, do_fork.py
//	go run ./01-fork -children 3      # a parent that forks three children
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"

	"multitask/internal/child"
	"multitask/internal/cli"
	"multitask/internal/syncwriter"
)

func main() {
	child.Serve()
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if opts.compare {
		return compare(ctx, stdout, forkTwin())
	}

	fmt.Fprintf(stdout, "Process (%d) start...\n", os.Getpid())
	if err := startChildren(ctx, stdout, childRole, opts.children); err != nil {
		return err
	}
	if opts.tutorialOnly {
		return nil
	}
	return goNotes(ctx, stdout)
}

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

// startChildren is the parent's side: it starts n children playing role,
// prints the parent's line for each as soon as it runs, and then waits for
// all of them, as a server that forks a child per request would. Every child
// that started is waited for, even when a later one fails to start, so none
// is left running; the tutorial's parent does not wait for its one child.
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
