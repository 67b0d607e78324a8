package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"multitask/internal/child"
)

// childProc is one started child process, what it wrote on stderr, and
// whether the parent terminated it.
type childProc struct {
	role       string
	cmd        *exec.Cmd
	stderr     bytes.Buffer
	done       chan error // how it ended, once it has been waited for
	joined     bool
	terminated bool
}

// startChild starts role with extra as its descriptors 3, 4, … (a nil entry
// is a closed descriptor). A nil stdin is /dev/null. The child is waited for
// on a goroutine of its own, so that the parent learns when it is gone while
// it still waits for the other one; exited, if not nil, runs right after.
func startChild(ctx context.Context, role string, cfg config, stdin, out *os.File, exited func(), extra ...*os.File) (*childProc, error) {
	args := []string{"-max-pause", cfg.maxPause.String()}
	if cfg.crash == role {
		args = append(args, "-crash")
	}
	if cfg.hold == role {
		args = append(args, "-hold")
	}
	if cfg.tutorialOnly {
		args = append(args, "-no-report")
	}
	cmd, err := child.Command(ctx, role, args...)
	if err != nil {
		return nil, err
	}
	c := &childProc{role: role, cmd: cmd, done: make(chan error, 1)}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout = out
	cmd.Stderr = &c.stderr
	cmd.ExtraFiles = extra
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s process: %w", role, err)
	}
	go func() {
		err := c.wait()
		if exited != nil {
			exited()
		}
		c.done <- err
	}()
	return c, nil
}

func (c *childProc) pid() int { return c.cmd.Process.Pid }

// wait waits for the child to exit and turns a failure into a childError
// that names it, its PID, its exit status and the first line it printed on
// stderr.
func (c *childProc) wait() error {
	err := c.cmd.Wait()
	if err == nil {
		return nil
	}
	first, _, _ := strings.Cut(strings.TrimSpace(c.stderr.String()), "\n")
	return &childError{role: c.role, pid: c.pid(), err: err, stderr: first}
}

// join does what Python's Process.join() does, and says how the child
// ended: nil for exit status 0, and for the SIGTERM the parent sent, if the
// child had nothing to say on stderr. A child that was already crashing
// (the signal may land while it prints its panic) is still reported as
// failed, and then counts as not terminated. Call it once.
func (c *childProc) join() error {
	err := <-c.done
	c.joined = true
	if c.terminated && killedBySIGTERM(err) && c.stderr.Len() == 0 {
		return nil
	}
	c.terminated = false
	return err
}

// terminate does what Python's Process.terminate() does on Unix: it sends
// SIGTERM. A child already waited for is not signalled (os.ErrProcessDone);
// one that exited by itself is reported by its own exit status either way.
func (c *childProc) terminate() {
	c.terminated = c.cmd.Process.Signal(syscall.SIGTERM) == nil
}

// kill ends a child that must not go on and reaps it.
func (c *childProc) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// describe names the child with its PID and the parent PID it reported.
func (c *childProc) describe(ppids map[string]int) string {
	ppid, ok := ppids[c.role]
	if !ok {
		return fmt.Sprintf("%s %d (its parent: not reported)", c.role, c.pid())
	}
	return fmt.Sprintf("%s %d (its parent: %d)", c.role, c.pid(), ppid)
}

// childError is a child process that failed: which one, and how.
type childError struct {
	role   string
	pid    int
	err    error  // from exec.Cmd.Wait, usually an *exec.ExitError
	stderr string // the first line the child printed on stderr
}

func (e *childError) Error() string {
	msg := fmt.Sprintf("%s process %d failed, %v", e.role, e.pid, e.err)
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

func (e *childError) Unwrap() error { return e.err }

// killedBySIGTERM reports whether a child's wait error says SIGTERM ended it.
func killedBySIGTERM(err error) bool {
	exitErr, ok := errors.AsType[*exec.ExitError](err)
	if !ok {
		return false
	}
	status, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && status.Signaled() && status.Signal() == syscall.SIGTERM
}
