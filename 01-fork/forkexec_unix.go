//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"

	"multitask/internal/child"
)

// forkExecAvailable says whether this build shows syscall.ForkExec.
const forkExecAvailable = true

// forkExec starts the child role once more, this time with syscall.ForkExec:
// the kernel-level call under os/exec, which forks and replaces the copy with
// a new program before any Go code runs in it. That is the only safe way to
// fork a multi-threaded program, and the reason Go offers no plain fork.
func forkExec(ctx context.Context, out io.Writer) error {
	// child.Command knows how to mark argv so that the new process plays
	// the role; the command is only read here, never started.
	cmd, err := child.Command(ctx, childRole)
	if err != nil {
		return err
	}
	// ForkExec takes raw descriptors, so the child's stdout is the write end
	// of a pipe that this process reads.
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("syscall.ForkExec: pipe: %w", err)
	}
	defer r.Close()
	pid, err := syscall.ForkExec(cmd.Path, cmd.Args, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{os.Stdin.Fd(), w.Fd(), os.Stderr.Fd()},
	})
	// The child holds its own copy of the write end now; closing ours lets
	// the read below end when the child exits.
	w.Close()
	if err != nil {
		return fmt.Errorf("syscall.ForkExec %s: %w", cmd.Path, err)
	}
	fmt.Fprintf(out, "syscall.ForkExec forked and exec'd in one call: it started process %d.\n", pid)

	// os.Process waits for the PID without the risk of a raw kill(2) hitting
	// a reused PID once the child has been reaped.
	p, err := os.FindProcess(pid)
	if err != nil {
		return fmt.Errorf("find process %d: %w", pid, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = p.Kill() })
	defer stop()
	_, copyErr := io.Copy(out, r)
	state, err := p.Wait()
	if err != nil {
		return fmt.Errorf("wait for process %d: %w", pid, err)
	}
	fmt.Fprintf(out, "Process %d exited: %v.\n", pid, state)
	if !state.Success() {
		return fmt.Errorf("child process %s (pid %d) started by syscall.ForkExec failed: %v", childRole, pid, state)
	}
	if copyErr != nil {
		return fmt.Errorf("read output of process %d: %w", pid, copyErr)
	}
	return nil
}
