//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"multitask/internal/child"
)

// defaultMode is process where Go can hand a child extra pipe descriptors.
const defaultMode = modeProcess

// runProcesses runs the tutorial's exchange between two real child
// processes, both this binary re-run through internal/child.
//
// The parent makes four pipes and hands each child the ends it needs:
//   - queue: the writer gets the write end, the reader the read end. This is
//     the Queue of the tutorial.
//   - out: both children's stdout. Each line is one write(2) of less than
//     PIPE_BUF bytes, so lines never mix, and the kernel keeps them in the
//     order they were written: "Put A" is written before A is sent, "Get A"
//     after A is received, so the writer's line always comes first. One
//     goroutine of the parent copies this pipe to stdout, so stdout has a
//     single writer and no lock is needed.
//   - report: each child writes one JSON line with its PID and its parent's
//     PID, so the parent can show that they are three distinct processes.
//   - received: the reader writes one JSON line for each value it receives,
//     so the parent knows which values were lost without reading them back
//     from the tutorial's lines.
func runProcesses(ctx context.Context, stdout io.Writer, cfg config) error {
	// The parent's copies of the pipe ends are closed as soon as it is done
	// with them; this catches any left on an early return. A second Close of
	// an os.File only returns an error, which is ignored.
	var mine []*os.File
	defer func() {
		for _, f := range mine {
			f.Close()
		}
	}()
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		mine = append(mine, r, w)
		return r, w, err
	}
	queueR, queueW, err := pipe()
	if err != nil {
		return fmt.Errorf("make the queue pipe: %w", err)
	}
	outR, outW, err := pipe()
	if err != nil {
		return fmt.Errorf("make the output pipe: %w", err)
	}
	reportR, reportW, err := pipe()
	if err != nil {
		return fmt.Errorf("make the report pipe: %w", err)
	}
	receivedR, receivedW, err := pipe()
	if err != nil {
		return fmt.Errorf("make the received pipe: %w", err)
	}
	// A held child (tests only, see config.hold) waits until its stdin ends,
	// that is until the parent closes holdW: for the writer once the reader
	// has been waited for, for the reader only when run returns.
	stdin := map[string]*os.File{}
	releaseWriter := func() {}
	if cfg.hold != "" {
		holdR, holdW, err := pipe()
		if err != nil {
			return fmt.Errorf("make the hold pipe: %w", err)
		}
		stdin[cfg.hold] = holdR
		if cfg.hold == roleWriter {
			releaseWriter = func() { holdW.Close() }
		}
	}

	writer, err := startChild(ctx, roleWriter, cfg, stdin[roleWriter], outW, queueW, reportW)
	if err != nil {
		return err
	}
	reader, err := startChild(ctx, roleReader, cfg, stdin[roleReader], outW, queueR, reportW, receivedW)
	if err != nil {
		writer.kill()
		return err
	}

	// The children hold their own copies now. The parent closes its read end
	// of the queue, so that if the reader dies the writer's next write fails
	// with EPIPE instead of filling a pipe nobody reads. It closes its write
	// end too, so that the reader sees end of stream as soon as the writer
	// exits; with -terminate it keeps that end open, as Python's parent keeps
	// its Queue, and the reader waits forever until it is terminated.
	queueR.Close()
	if !cfg.terminate {
		queueW.Close()
	}
	outW.Close()
	reportW.Close()
	receivedW.Close()

	// The copy ends at end of stream, which comes once both children have
	// exited, since nobody else holds the write end of out.
	lines := &tally{w: stdout}
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(lines, outR)
		if err != nil {
			// Keep draining, so a child never blocks on a full pipe.
			_, _ = io.Copy(io.Discard, outR)
			err = fmt.Errorf("copy the children's output: %w", err)
		}
		copied <- err
	}()

	// The reader is waited for on a goroutine of its own, so that the parent
	// learns when it is gone while it still waits for the writer. Only once
	// the reader has been waited for is its end of the queue surely closed,
	// and a held writer is let go.
	readDone := make(chan error, 1)
	go func() {
		err := reader.wait()
		releaseWriter()
		readDone <- err
	}()

	// As in the tutorial: wait for the writer, then stop the reader. A
	// reader already waited for is not signalled (os.ErrProcessDone); one
	// that exited by itself is reported by its own exit status either way.
	writeErr := writer.wait()
	terminated := false
	if cfg.terminate {
		terminated = reader.terminate()
	}
	readErr := <-readDone
	// SIGTERM is the expected end of the reader only if it had nothing to
	// say on stderr. A reader that was already crashing (the signal may land
	// while it prints its panic) is still reported as failed.
	if terminated && killedBySIGTERM(readErr) && reader.stderr.Len() == 0 {
		readErr = nil
	} else {
		terminated = false
	}
	queueW.Close()
	copyErr := <-copied

	// Both children have exited, so both reports are whole; the few lines
	// in each fit in the pipe's buffer and never held a child up.
	lines.got = readReceived(receivedR)
	printProcessNotes(stdout, cfg, writer, reader, writeErr, readErr, terminated, readReports(reportR))
	printf(stdout, "%s", lines.note())
	if writeErr == nil && readErr == nil && copyErr == nil {
		return lines.lostError()
	}
	return errors.Join(writeErr, readErr, copyErr)
}

// printProcessNotes prints the Go notes of process mode: the three PIDs,
// the parent PID each child reported, how each child ended, and how the
// reader came to stop.
func printProcessNotes(stdout io.Writer, cfg config, writer, reader *childProc, writeErr, readErr error, terminated bool, ppids map[string]int) {
	printf(stdout, goNotes)
	printf(stdout, "three processes: parent %d, writer %d, reader %d", os.Getpid(), writer.pid(), reader.pid())
	printf(stdout, "%s: %s", writer.describe(ppids), processEnd(writeErr, "put its values and exited, exit status 0"))
	if terminated {
		printf(stdout, "%s: terminated by the parent after the writer exited (signal: terminated)", reader.describe(ppids))
	} else {
		printf(stdout, "%s: %s", reader.describe(ppids), processEnd(readErr, "ended by itself at end of stream, exit status 0"))
	}
	if cfg.terminate {
		printf(stdout, "queue: one OS pipe carrying JSON lines; the parent kept its write end open, as Python's parent keeps its Queue, so the reader never sees end of stream and has to be terminated")
	} else {
		printf(stdout, "queue: one OS pipe carrying JSON lines; the parent closed its own copies of both ends, so the reader sees end of stream when the writer exits, and the writer gets EPIPE if the reader is gone")
	}
}

// processEnd says in a few words how a child ended.
func processEnd(err error, ok string) string {
	if err == nil {
		return ok
	}
	if ce, isChild := errors.AsType[*childError](err); isChild {
		return "failed, " + ce.err.Error()
	}
	return "failed: " + err.Error()
}

// childProc is one started child process and what it wrote on stderr.
type childProc struct {
	role   string
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

// startChild starts role with its pipe ends as descriptors 3, 4, …: its end
// of the queue, the report pipe, and for the reader the received pipe. A
// nil stdin is /dev/null.
func startChild(ctx context.Context, role string, cfg config, stdin, out *os.File, extra ...*os.File) (*childProc, error) {
	args := []string{"-max-pause", cfg.maxPause.String()}
	if cfg.crash == role {
		args = append(args, "-crash")
	}
	if cfg.hold == role {
		args = append(args, "-hold")
	}
	cmd, err := child.Command(ctx, role, args...)
	if err != nil {
		return nil, err
	}
	c := &childProc{role: role, cmd: cmd}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout = out
	cmd.Stderr = &c.stderr
	cmd.ExtraFiles = extra
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s process: %w", role, err)
	}
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

// terminate does what Python's Process.terminate() does on Unix: it sends
// SIGTERM. It reports whether the signal was sent.
func (c *childProc) terminate() bool {
	return c.cmd.Process.Signal(syscall.SIGTERM) == nil
}

// kill ends a child that must not go on (its partner could not start) and
// reaps it, so that nothing is left running.
func (c *childProc) kill() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
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

// report is what each child tells the parent about itself.
type report struct {
	Role string `json:"role"`
	PID  int    `json:"pid"`
	PPID int    `json:"ppid"`
}

// readReports reads the children's reports until end of stream and returns
// the parent PID each role reported. A child that died before reporting is
// simply missing.
func readReports(r io.Reader) map[string]int {
	ppids := map[string]int{}
	dec := json.NewDecoder(r)
	for {
		var rep report
		if err := dec.Decode(&rep); err != nil {
			return ppids
		}
		ppids[rep.Role] = rep.PPID
	}
}

// readReceived reads the values the reader reported it received, up to the
// end of the stream. A reader that was stopped reported only some of them.
func readReceived(r io.Reader) []string {
	get := streamGet(r)
	var got []string
	for {
		v, err := get()
		if err != nil {
			return got
		}
		got = append(got, v)
	}
}
