package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/child"
	"multitask/internal/childtest"
)

func TestMain(m *testing.M) {
	childtest.Serve()
	goleak.VerifyTestMain(m)
}

const testKey = "a key for the tests"

// watch is an output that a test can wait on: it keeps everything written
// to it and wakes waiters on every write.
type watch struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatch() *watch { return &watch{changed: make(chan struct{})} }

func (w *watch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.changed)
	w.changed = make(chan struct{})
	return len(p), nil
}

// String returns the output so far with every wrapped note joined into one
// line again (see unwrap), as the tests read it.
func (w *watch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return unwrap(w.buf.String())
}

// raw returns the output so far as it was written.
func (w *watch) raw() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wrapped is where a note was wrapped: a line break and the indent of the
// line that goes on with it (three spaces under a "-- " note, two in the Go
// notes). No line of the tutorial's starts with a space.
var wrapped = regexp.MustCompile(`\n {2,3}`)

// unwrap joins the lines of each wrapped note, so that a test can match a
// note whatever the width it was wrapped to.
func unwrap(s string) string { return wrapped.ReplaceAllString(s, " ") }

// waitFor waits until the output matches re and returns the match and its
// groups. It fails the test if that takes 20 seconds: a guard, not a pace.
func (w *watch) waitFor(t *testing.T, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	guard := time.NewTimer(20 * time.Second)
	defer guard.Stop()
	for {
		w.mu.Lock()
		m := rx.FindStringSubmatch(unwrap(w.buf.String()))
		changed := w.changed
		w.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-changed:
		case <-guard.C:
			t.Fatalf("no %q in the output after 20s:\n%s", re, w.String())
		}
	}
}

// receive returns the next value from ch, or fails the test after d saying
// what did not happen.
func receive[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("after %v: %s", d, what)
		var zero T
		return zero
	}
}

// background runs the command args in a goroutine, as a user would in a
// terminal of their own.
type background struct {
	out  *watch
	done chan error
}

func start(t *testing.T, args ...string) *background {
	t.Helper()
	return startCtx(t.Context(), args...)
}

// startCtx is start with a context of the test's own, to interrupt the
// command as Ctrl-C would.
func startCtx(ctx context.Context, args ...string) *background {
	b := &background{out: newWatch(), done: make(chan error, 1)}
	go func() { b.done <- run(ctx, b.out, args) }()
	return b
}

// wait returns what the command returned.
func (b *background) wait(t *testing.T) error {
	t.Helper()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case err := <-b.done:
		return err
	case <-timer.C:
		t.Fatalf("still running after 30s; output so far:\n%s", b.out.String())
		return nil
	}
}

// startMaster starts the master command on a free loopback port and returns
// it with the address it printed.
func startMaster(t *testing.T, args ...string) (*background, string) {
	t.Helper()
	m := start(t, append([]string{"master", "-addr", "127.0.0.1:0", "-authkey", testKey}, args...)...)
	addr := m.out.waitFor(t, `serving the queues on (\S+) over \S+;`)[1]
	return m, addr
}

// forEachTransport runs test once over each transport, as a subtest named
// after it: the commands' promises hold whatever carries the queues.
func forEachTransport(t *testing.T, test func(t *testing.T, transport string)) {
	for _, name := range transportNames() {
		t.Run(name, func(t *testing.T) { test(t, name) })
	}
}

// workerProcess is a worker command running as a child process.
type workerProcess struct {
	cmd    *exec.Cmd
	out    *watch
	exited chan error // what cmd.Wait returned, once the process has exited
}

// startWorkerProcess starts a worker process for the master at addr, with
// the test key in its environment. One that is still running when the test
// ends is killed.
func startWorkerProcess(t *testing.T, addr string, args ...string) *workerProcess {
	t.Helper()
	cmd, err := child.Command(t.Context(), "worker", append([]string{"-addr", addr}, args...)...)
	require.NoError(t, err)
	cmd.Env = append(os.Environ(), keyEnv+"="+testKey)
	w := &workerProcess{cmd: cmd, out: newWatch(), exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	require.NoError(t, cmd.Start())
	go func() { w.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // an error only says it has exited already
		receive(t, w.exited, 10*time.Second, "a killed worker process did not exit")
	})
	return w
}

// wait returns how the process exited. The exit is kept for the cleanup,
// which waits for it again.
func (w *workerProcess) wait(t *testing.T) error {
	t.Helper()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case err := <-w.exited:
		w.exited <- err
		return err
	case <-timer.C:
		t.Fatalf("the worker process is still running after 30s; output so far:\n%s", w.out.String())
		return nil
	}
}

var (
	putLine    = regexp.MustCompile(`^Put task (\d+)\.\.\.$`)
	resultLine = regexp.MustCompile(`^Result: (\d+) \* (\d+) = (\d+)$`)
	runLine    = regexp.MustCompile(`^run task (\d+) \* (\d+)\.\.\.$`)
)

// numbers returns, sorted, the first group of every line that matches re.
func numbers(t *testing.T, lines []string, re *regexp.Regexp) []int {
	t.Helper()
	var ns []int
	for _, line := range lines {
		if m := re.FindStringSubmatch(line); m != nil {
			n, err := strconv.Atoi(m[1])
			require.NoError(t, err)
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

// checkMasterOutput checks the tutorial's master lines: tasks put, then one
// correct result per task put, each exactly once. It returns the numbers put.
func checkMasterOutput(t *testing.T, lines []string, tasks int) []int {
	t.Helper()
	put := numbers(t, lines, putLine)
	require.Len(t, put, tasks, "one Put line per task")
	assert.Equal(t, put, numbers(t, lines, resultLine), "one Result line per task put")
	for _, line := range lines {
		if m := resultLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			sq, _ := strconv.Atoi(m[3])
			assert.Equal(t, m[1], m[2], line)
			assert.Equal(t, n*n, sq, line)
		}
	}
	tryAt := slices.Index(lines, "Try get results...")
	require.GreaterOrEqual(t, tryAt, 0, "the master says it waits for results")
	assert.Len(t, numbers(t, lines[:tryAt], putLine), tasks, "every task is put before the wait")
	return put
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }
