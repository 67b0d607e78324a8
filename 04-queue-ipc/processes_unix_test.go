//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
	"multitask/internal/cli"
	"multitask/internal/clitest"
	"multitask/internal/twin"
)

var (
	threeProcesses = regexp.MustCompile(`^three processes: parent (\d+), writer (\d+), reader (\d+)$`)
	writerNote     = regexp.MustCompile(`^writer (\d+) \(its parent: (\d+|not reported)\): (.*)$`)
	readerNote     = regexp.MustCompile(`^reader (\d+) \(its parent: (\d+|not reported)\): (.*)$`)
	valuesNote     = regexp.MustCompile(`^values: the writer announced (.+); the reader got (.+?)(?:; never got: (.+))?$`)
)

// received returns the values the notes say the reader got: those it
// reported on its own pipe, not those it printed.
func (tr transcript) received(t *testing.T) []string {
	t.Helper()
	got := tr.note(t, valuesNote)[2]
	if got == "nothing" {
		return nil
	}
	return strings.Split(got, ", ")
}

// pids checks the PIDs a process-mode run printed: the parent is this test
// process, the writer and the reader are two other processes, each prints
// its own PID, and each reported this process as its parent. It returns the
// children's PIDs.
func (tr transcript) pids(t *testing.T) (writer, reader int) {
	t.Helper()
	m := tr.note(t, threeProcesses)
	parent, writer, reader := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
	assert.Equal(t, os.Getpid(), parent, "the parent is the process that called run")
	assert.NotEqual(t, parent, writer)
	assert.NotEqual(t, parent, reader)
	assert.NotEqual(t, writer, reader)
	if tr.writerPID != 0 {
		assert.Equal(t, writer, tr.writerPID, "the writer printed its own PID")
	}
	if tr.readerPID != 0 {
		assert.Equal(t, reader, tr.readerPID, "the reader printed its own PID")
	}
	for _, note := range []*regexp.Regexp{writerNote, readerNote} {
		m := tr.note(t, note)
		if m[2] != "not reported" {
			assert.Equal(t, strconv.Itoa(parent), m[2], "the child's parent is the parent: %s", m[0])
		}
	}
	return writer, reader
}

// runProcessMode calls run with a deadline: a child that never ends is
// killed (exec.CommandContext) and the test fails in seconds instead of
// hanging until go test's own timeout.
func runProcessMode(t *testing.T, out *bytes.Buffer, args []string) error {
	t.Helper()
	return endsByItself(t, out, func(ctx context.Context) error { return run(ctx, out, args) })
}

// runHeld is runProcessMode with one child held at a known point (see
// config.hold), which no flag can ask for.
func runHeld(t *testing.T, out *bytes.Buffer, hold string, args ...string) error {
	t.Helper()
	cfg, err := parseFlags(io.Discard, args)
	require.NoError(t, err)
	cfg.hold = hold
	return endsByItself(t, out, func(ctx context.Context) error { return runProcesses(ctx, out, cfg) })
}

// endsByItself runs f with a deadline and fails the test if f ended only
// because the deadline passed.
func endsByItself(t *testing.T, out *bytes.Buffer, f func(context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := f(ctx)
	require.NoError(t, ctx.Err(), "run did not end by itself; output so far:\n%s", out)
	return err
}

// assertGone checks that no child is left running (or unreaped) when run
// has returned: signal 0 to a PID that no longer exists fails with ESRCH.
func assertGone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "process %d is still there", pid)
	}
}

func TestProcessModePassesABCInOrderBetweenThreeProcesses(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runProcessMode(t, &out, []string{"-mode", "process", "-max-pause", "20ms"}))
	tr := parse(t, out.String())
	assert.Equal(t, values, tr.puts)
	assert.Equal(t, values, tr.gets)
	tr.assertInOrder(t)
	writer, reader := tr.pids(t)
	require.NotZero(t, tr.writerPID)
	require.NotZero(t, tr.readerPID)
	assert.Equal(t, "put its values and exited, exit status 0", tr.note(t, writerNote)[3])
	assert.Equal(t, "ended by itself at end of stream, exit status 0", tr.note(t, readerNote)[3])
	tr.note(t, regexp.MustCompile(`^values: the writer announced A, B, C; the reader got A, B, C$`))
	assertGone(t, writer, reader)
}

// Without pauses the writer is usually done before the reader has started;
// the values wait in the pipe and still all arrive.
func TestProcessModeWithoutPausesLosesNothing(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runProcessMode(t, &out, []string{"-max-pause", "0"}))
	tr := parse(t, out.String())
	assert.Equal(t, values, tr.gets)
	tr.assertInOrder(t)
	writer, reader := tr.pids(t)
	assertGone(t, writer, reader)
}

// With -terminate the parent keeps its write end of the queue open, so the
// reader could never see end of stream: only the SIGTERM ends it. Without
// pauses it may be terminated before it got every value (the risk the
// README explains), but what it got is in order, it printed no value it had
// not reported, and nothing is left running.
func TestProcessModeTerminateEndsTheReaderAndLeaksNothing(t *testing.T) {
	for _, maxPause := range []string{"0", "20ms"} {
		t.Run("max-pause "+maxPause, func(t *testing.T) {
			var out bytes.Buffer
			err := runProcessMode(t, &out, []string{"-terminate", "-max-pause", maxPause})
			tr := parse(t, out.String())
			assert.Equal(t, values, tr.puts)
			got := tr.received(t)
			assertPrefix(t, values, got)
			assertPrefix(t, got, tr.gets)
			if len(got) == len(values) {
				require.NoError(t, err)
			} else {
				// Lost values are named and fail the run; Python loses them
				// without a word.
				require.Error(t, err)
				assert.Equal(t, 1, cli.ExitCode(err))
				lost := strings.Join(values[len(got):], ", ")
				assert.Contains(t, err.Error(), "the reader was stopped before it got "+lost)
				tr.note(t, regexp.MustCompile(`; never got: `+lost+`$`))
			}
			tr.assertInOrder(t)
			assert.Equal(t, "terminated by the parent once the writer exited (SIGTERM)", tr.note(t, readerNote)[3])
			writer, reader := tr.pids(t)
			assertGone(t, writer, reader)
		})
	}
}

// With -terminate, the values still in the pipe when the reader is killed
// are lost: the parent names them and the run exits 1. The reader is held
// before its first value until the parent terminates it, so it surely got
// none.
func TestProcessModeTerminateNamesTheLostValues(t *testing.T) {
	var out bytes.Buffer
	err := runHeld(t, &out, roleReader, "-terminate", "-max-pause", "0")
	tr := parse(t, out.String())
	assert.Equal(t, values, tr.puts)
	assert.Empty(t, tr.gets)
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.EqualError(t, err, "the reader was stopped before it got A, B, C: 3 of 3 values were lost")
	assert.Equal(t, "put its values and exited, exit status 0", tr.note(t, writerNote)[3])
	assert.Equal(t, "terminated by the parent once the writer exited (SIGTERM)", tr.note(t, readerNote)[3])
	tr.note(t, regexp.MustCompile(`^values: the writer announced A, B, C; the reader got nothing; never got: A, B, C$`))
	writer, reader := tr.pids(t)
	assertGone(t, writer, reader)
}

// assertPrefix checks that the values a terminated reader got are the
// first of those sent, in order: it may miss the last ones, never mix them.
func assertPrefix(t *testing.T, sent, got []string) {
	t.Helper()
	assert.True(t, len(got) <= len(sent) && slices.Equal(sent[:len(got)], got),
		"the values that arrived, %q, must be a prefix of %q", got, sent)
}

// childFailure returns the childError for role inside err.
func childFailure(t *testing.T, err error, role string) *childError {
	t.Helper()
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		if ce, ok := errors.AsType[*childError](e); ok && ce.role == role {
			return ce
		}
	}
	require.Failf(t, "no failure reported", "want the %s named in: %v", role, err)
	return nil
}

// assertPanicReported checks that run failed with exit status 1 and named
// the child that panicked: its role, its PID, its exit status (2, as for any
// Go panic) and the first line of what it printed.
func assertPanicReported(t *testing.T, err error, role string, pid int, after string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err))
	ce := childFailure(t, err, role)
	assert.Equal(t, pid, ce.pid)
	assert.Equal(t, 2, exitCode(t, ce), "a panic exits 2")
	assert.Contains(t, err.Error(), fmt.Sprintf("%s process %d failed, exit status 2: panic: %s", role, pid, crashMessage(role, after)))
}

// exitCode is the exit status in a child's failure.
func exitCode(t *testing.T, ce *childError) int {
	t.Helper()
	exitErr, ok := errors.AsType[*exec.ExitError](ce)
	require.True(t, ok, "want an exit error, got %v", ce.err)
	return exitErr.ExitCode()
}

// A writer that crashes after A: the parent names it and its exit status
// (2, a Go panic), the reader still gets A and then end of stream, and the
// run exits 1.
func TestProcessModeWriterCrashIsReported(t *testing.T) {
	for _, terminate := range []bool{false, true} {
		t.Run("terminate="+strconv.FormatBool(terminate), func(t *testing.T) {
			args := []string{"-crash", "writer", "-max-pause", "0"}
			if terminate {
				args = append(args, "-terminate")
			}
			var out bytes.Buffer
			err := runProcessMode(t, &out, args)
			tr := parse(t, out.String())
			writer, reader := tr.pids(t)
			assertPanicReported(t, err, roleWriter, writer, "putting A")
			if terminate {
				assertPrefix(t, []string{"A"}, tr.gets)
			} else {
				assert.Equal(t, []string{"A"}, tr.gets, "A was in the pipe before the writer died")
			}
			assert.Equal(t, "failed, exit status 2", tr.note(t, writerNote)[3])
			if terminate {
				assert.Contains(t, tr.note(t, readerNote)[3], "terminated by the parent")
			} else {
				assert.Equal(t, "ended by itself at end of stream, exit status 0", tr.note(t, readerNote)[3],
					"the writer's death closes its end of the pipe: the reader sees end of stream")
			}
			assertGone(t, writer, reader)
		})
	}
}

// A reader that crashes after A: the parent names it and its exit status.
// The writer does not hang: once the reader is gone nobody holds the read
// end, because the parent closed its copy, so the writer's next write fails
// with EPIPE; with -terminate too, where the parent keeps only its write
// end. The writer is held after A until the parent has waited for the
// reader, so B surely goes to a pipe that nobody reads.
func TestProcessModeWriterGetsEPIPEOnceTheReaderIsGone(t *testing.T) {
	for _, terminate := range []bool{false, true} {
		t.Run("terminate="+strconv.FormatBool(terminate), func(t *testing.T) {
			args := []string{"-crash", "reader", "-max-pause", "0"}
			if terminate {
				args = append(args, "-terminate")
			}
			var out bytes.Buffer
			err := runHeld(t, &out, roleWriter, args...)
			tr := parse(t, out.String())
			writer, reader := tr.pids(t)
			assertPanicReported(t, err, roleReader, reader, "getting A")
			assert.Equal(t, []string{"A"}, tr.gets)
			assert.Equal(t, "failed, exit status 2", tr.note(t, readerNote)[3], "the reader crashed before the writer exited")
			assert.Equal(t, "failed, exit status 1", tr.note(t, writerNote)[3])
			assert.Equal(t, "child writer (pid "+strconv.Itoa(writer)+"): put B: write queue: broken pipe",
				childFailure(t, err, roleWriter).stderr)
			tr.note(t, regexp.MustCompile(`^values: the writer announced A, B; the reader got A; never got: B$`))
			assertGone(t, writer, reader)
		})
	}
}

// With -terminate a crashing reader shows the risk of terminate(): the
// parent cannot tell a reader that is busy crashing from one that waits,
// and its SIGTERM can land first and hide the crash. What is certain: the
// run ends, nothing is left running, and when the writer got EPIPE the
// reader had already exited, so its crash is reported.
func TestProcessModeReaderCrashWithTerminateEnds(t *testing.T) {
	var out bytes.Buffer
	err := runProcessMode(t, &out, []string{"-crash", "reader", "-max-pause", "10ms", "-terminate"})
	tr := parse(t, out.String())
	writer, reader := tr.pids(t)
	assertPrefix(t, []string{"A"}, tr.gets)
	if assertWriterEndedOrGotEPIPE(t, tr, err) {
		ce := childFailure(t, err, roleReader)
		assert.Equal(t, 2, exitCode(t, ce), "the reader had exited by itself before the writer got EPIPE")
	}
	assertGone(t, writer, reader)
}

// assertWriterEndedOrGotEPIPE checks that the writer either put all its
// values or failed on a broken pipe, and reports whether it failed.
func assertWriterEndedOrGotEPIPE(t *testing.T, tr transcript, err error) bool {
	t.Helper()
	note := tr.note(t, writerNote)[3]
	if note == "put its values and exited, exit status 0" {
		return false
	}
	assert.Equal(t, "failed, exit status 1", note)
	assert.Contains(t, childFailure(t, err, roleWriter).stderr, "broken pipe")
	return true
}

// The writer's side of a crashed reader, made certain: with no read end
// left, the put fails at once with EPIPE instead of blocking or killing the
// process with SIGPIPE.
func TestWriterGetsEPIPEWhenNobodyReads(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer w.Close()
	require.NoError(t, r.Close())

	var out bytes.Buffer
	err = write(&out, 7, streamPut(w), func() {})
	require.ErrorIs(t, err, syscall.EPIPE)
	assert.Contains(t, err.Error(), "put A")
}

// A child role started by hand, without the parent's pipes, refuses to run
// instead of writing into whatever descriptor 3 happens to be.
func TestChildWithoutPipesRefusesToRun(t *testing.T) {
	for _, role := range []string{roleWriter, roleReader} {
		t.Run(role, func(t *testing.T) {
			cmd, err := child.Command(t.Context(), role, "-max-pause", "0")
			require.NoError(t, err)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err = cmd.Run()
			exitErr, ok := errors.AsType[*exec.ExitError](err)
			require.True(t, ok, "want an exit error, got %v", err)
			assert.Equal(t, 1, exitErr.ExitCode())
			assert.Contains(t, stderr.String(), "(queue)", "the child says which pipe is missing")
		})
	}
}

// watchWriter collects a run's output and closes seen once want has been
// written, so a test can act at a known point of the exchange.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.want != "" && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.want = ""
	}
	return n, err
}

// Ctrl-C (a cancelled context) while the writer pauses: exec.CommandContext
// kills both children, run reports them and returns, and nothing is left.
func TestProcessModeCancelKillsBothChildren(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &watchWriter{want: "Get A from queue.\n", seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, []string{"-max-pause", "1h"}) }()

	var err error
	select {
	case <-out.seen:
		cancel()
		err = <-done
	case err = <-done:
		require.Failf(t, "run ended before A arrived", "err: %v", err)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed, signal: killed")
	tr := parse(t, out.buf.String())
	writer, reader := tr.pids(t)
	assert.Equal(t, writer, childFailure(t, err, roleWriter).pid)
	assertGone(t, writer, reader)
}

// -compare -terminate with a reader held until it is terminated: the Go
// run loses every value, and the comparison shows the missing "Get" lines
// instead of stopping at the Go run's error.
func TestCompareShowsLostValuesAsMissingLines(t *testing.T) {
	clitest.RequirePython(t)
	cfg, err := parseFlags(io.Discard, []string{"-compare", "-terminate", "-max-pause", "0"})
	require.NoError(t, err)
	cfg.hold = roleReader
	var out bytes.Buffer
	err = endsByItself(t, &out, func(ctx context.Context) error { return compare(ctx, &out, cfg) })
	require.ErrorIs(t, err, twin.ErrDiffer, "output:\n%s", &out)
	assert.Contains(t, out.String(), "python3 do_queue.py")
	assert.Regexp(t, `(?m)^\s+0\s+1 \| Get A from queue\.$`, out.String(), "Python got A, Go lost it")
	assert.NotRegexp(t, `(?m)^\s+[1-9]\d*\s+\d+ . Get `, out.String(), "the Go run got nothing")
}

// -tutorial-only in process mode: no notes, so the children are asked for
// no report (descriptor 4 is closed in them), and the lines are the
// tutorial's, with the children's own PIDs.
func TestProcessModeTutorialOnlyPrintsTheChildrensPIDs(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runProcessMode(t, &out, []string{"-mode", "process", "-tutorial-only", "-max-pause", "0"}))
	assertTutorialOnly(t, out.String())
	tr := parseTutorialOnly(t, out.String())
	assert.NotEqual(t, os.Getpid(), tr.writerPID)
	assert.NotEqual(t, os.Getpid(), tr.readerPID)
	assert.NotEqual(t, tr.writerPID, tr.readerPID)
	assertGone(t, tr.writerPID, tr.readerPID)
}
