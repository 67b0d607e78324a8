package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// printExitCode prints the tutorial's "Exit code: N" for a command that ran,
// and decides what its end means for the lesson. A non-zero exit code is
// what the lesson shows, not a failure of the lesson, so it returns nil
// then; it fails when the command could not run, when its output could not
// be copied, or when the context was cancelled.
func printExitCode(ctx context.Context, stdout io.Writer, cmd *exec.Cmd, err error) error {
	name := cmd.Args[0]
	if cmd.ProcessState == nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted before %s started: %w", name, ctx.Err())
		}
		return fmt.Errorf("run %s: %w", name, err)
	}
	fmt.Fprintln(stdout, exitCodeLine(cmd.ProcessState))
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while %s ran: %w", name, ctx.Err())
	}
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*exec.ExitError](err); ok {
		// The exit code printed above is the answer.
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// exitCodeLine is the tutorial's "Exit code: N". Python reports a command
// killed by signal N as -N; Go's ExitCode is -1 then, so the line adds the
// signal by name.
func exitCodeLine(state *os.ProcessState) string {
	code := state.ExitCode()
	if code >= 0 {
		return fmt.Sprintf("Exit code: %d", code)
	}
	return fmt.Sprintf("Exit code: %d (%v)", code, state)
}
