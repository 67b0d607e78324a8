package pythonq

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/pythonq/wire"
	"multitask/09-distributed/taskq"
	"multitask/internal/clitest"
)

// These tests run real Python, in the tutorial's roles: a worker against a
// Go master, and a master for a Go worker. Starting python3 costs a quarter
// of a second, so one script runs many checks, a line each.

// script is a running Python script of testdata, read line by line.
type script struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // closed when its stdout ends
	stderr *bytes.Buffer
}

func runScript(t *testing.T, name string, args ...string) *script {
	t.Helper()
	clitest.RequirePython(t)
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	cmd := exec.CommandContext(ctx, "python3", append([]string{filepath.Join("testdata", name)}, args...)...)
	// Interrupted, not killed, when the test ends early: a master's exit
	// then shuts down the server process its manager forked, which would
	// otherwise outlive the test, holding its port and its output open.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	s := &script{cmd: cmd, lines: make(chan string), stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case s.lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = s.cmd.Wait() // which closes stdout, so that the reader ends
		<-read
	})
	return s
}

// next returns the next line the script prints, or fails the test.
func (s *script) next(t *testing.T) string {
	t.Helper()
	line, ok := s.read(t)
	require.True(t, ok, "the script ended early; its stderr:\n%s", s.stderr)
	return line
}

// read waits for the next line; ok is false when the script's output
// ended.
func (s *script) read(t *testing.T) (line string, ok bool) {
	t.Helper()
	timer := time.NewTimer(patience)
	defer timer.Stop()
	select {
	case line, ok = <-s.lines:
		return line, ok
	case <-timer.C:
		t.Fatalf("after %v the script printed nothing more; its stderr:\n%s", patience, s.stderr)
		return "", false
	}
}

// expect checks that the next line is want.
func (s *script) expect(t *testing.T, want string) {
	t.Helper()
	assert.Equal(t, want, s.next(t))
}

// finish tells the script to go on, and checks that it exits cleanly
// after printing the lines want.
func (s *script) finish(t *testing.T, want ...string) {
	t.Helper()
	_, err := io.WriteString(s.stdin, "go on\n")
	require.NoError(t, err)
	for _, w := range want {
		s.expect(t, w)
	}
	line, more := s.read(t)
	assert.False(t, more, "the script printed more: %q", line)
	assert.NoError(t, s.cmd.Wait(), "its stderr:\n%s", s.stderr)
}

func TestAPythonWorkerWithAGoMaster(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 101, 102, 103)
	port := strconv.Itoa(m.srv.Addr().(*net.TCPAddr).Port)
	py := runScript(t, "worker_checks.py", port, string(testKey))

	py.expect(t, "wrong-key AuthenticationError")
	py.expect(t, "sizes 3 False 0 True")
	for _, n := range []int{101, 102, 103} {
		py.expect(t, fmt.Sprintf("task int %d", n))
	}
	py.expect(t, "empty _queue Empty True") // exactly queue.Empty, as from a Python master
	py.expect(t, "sizes 0 True 3 False")
	py.expect(t, "put RuntimeError")
	py.expect(t, "waiting for the close")
	for range 3 {
		r := m.result(t)
		assert.Equal(t, square(m.n[r.TaskID]), r.Text)
	}
	m.hub.Close()
	py.finish(t, `after the close _queue Empty ('the master has closed the queues',)`)
	assert.Equal(t, 1, m.log.count("refused", "authentication failed"), m.log.text())
}

func TestAGoWorkerWithAPythonMaster(t *testing.T) {
	py := runScript(t, "master_checks.py", string(testKey), "11", "12", "13")
	listening := strings.Fields(py.next(t))
	require.Len(t, listening, 2)
	require.Equal(t, "listening", listening[0])
	addr := "127.0.0.1:" + listening[1]

	_, err := Dial(bounded(t), addr, wrongKey, Options{})
	require.ErrorIs(t, err, wire.ErrAuth)
	assert.Contains(t, err.Error(), "refused our key")

	legacy, err := Dial(bounded(t), addr, testKey, Options{Form: wire.Legacy})
	require.NoError(t, err, "a worker that challenges as Python 3.11 does")
	require.NoError(t, legacy.Close())

	w, err := Dial(bounded(t), addr, testKey, Options{})
	require.NoError(t, err)
	defer w.Close()
	for _, n := range []int{11, 12, 13} {
		task, ok, err := w.GetTask(bounded(t), patience)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, n, task.N, "the tasks arrive as numbers, in order")
		require.NoError(t, w.PutResult(bounded(t), taskq.Result{TaskID: task.ID, Text: square(task.N)}))
	}
	_, ok, err := w.GetTask(bounded(t), 100*time.Millisecond)
	require.NoError(t, err, "queue.Empty is no error")
	assert.False(t, ok)

	for _, n := range []int{11, 12, 13} {
		py.expect(t, fmt.Sprintf("result '%s'", square(n)))
	}
	py.expect(t, "waiting")
	py.finish(t, "master exit.")
	_, _, err = w.GetTask(bounded(t), patience)
	assert.ErrorIs(t, err, taskq.ErrClosed, "a Python master that shut down has ended the work")
	assert.ErrorIs(t, err, ErrMasterGone)
}
