package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"multitask/internal/child"
)

// Child roles: this binary started again runs one of these instead of main.
const (
	runProcRole = "runProc"
	crashRole   = "runProc-crash"
)

func init() {
	child.Register(runProcRole, func(args []string) error {
		name, err := oneArg(args)
		if err != nil {
			return err
		}
		return runProc(os.Stdout, name)
	})
	child.Register(crashRole, func(args []string) error {
		name, err := oneArg(args)
		if err != nil {
			return err
		}
		if err := runProc(os.Stdout, name); err != nil {
			return err
		}
		panic(fmt.Sprintf("runProc(%q) crashed on purpose (-crash)", name))
	})
}

// runProc is the function the tutorial runs in its child process.
func runProc(w io.Writer, name string) error {
	_, err := fmt.Fprintf(w, "Run child process %s (%d)...\n", name, os.Getpid())
	return err
}

func oneArg(args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("want one argument, the name, got %d", len(args))
	}
	return args[0], nil
}

// runProcess does what Process(target=runProc, args=(name,)) with start()
// and join() does: it runs role in a child process and waits for it to end.
// Unlike join(), it does not let a crash pass unnoticed: a child that fails
// is named, with its PID and exit status, in the error. It returns the
// child's PID.
func runProcess(ctx context.Context, stdout io.Writer, role, name string) (int, error) {
	cmd, err := child.Command(ctx, role, name)
	if err != nil {
		return 0, err
	}
	// Only one child writes while this goroutine waits, and Wait returns
	// after the child's output has been copied, so stdout needs no lock.
	cmd.Stdout = stdout
	// A panic trace is the child's to print, as a Python child prints its
	// traceback: it goes straight to our stderr.
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start child process %s: %w", role, err)
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("child process %s (pid %d) failed: %w", role, cmd.Process.Pid, err)
	}
	return cmd.Process.Pid, nil
}
