package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/childtest"
	"multitask/internal/cli"
	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	// The test binary plays the child processes too; see childtest.Serve.
	childtest.Serve()
	goleak.VerifyTestMain(m)
}

var (
	parentLine = regexp.MustCompile(`^Parent process (\d+)\.$`)
	childLine  = regexp.MustCompile(`^Run child process (.*) \((\d+)\)\.\.\.$`)
)

// runLines runs the lesson, requires success and that no child process is
// left, and returns the output lines.
func runLines(t *testing.T, args ...string) []string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, args))
	childtest.RequireNoneLeft(t)
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func TestTutorialLinesWithRealPIDs(t *testing.T) {
	uname, err := exec.Command("uname", "-sr").Output()
	require.NoError(t, err)

	lines := runLines(t)
	require.GreaterOrEqual(t, len(lines), 15, "output:\n%s", strings.Join(lines, "\n"))

	m := parentLine.FindStringSubmatch(lines[0])
	require.NotNil(t, m, "line %q", lines[0])
	parent := atoi(t, m[1])
	assert.Equal(t, os.Getpid(), parent, "the parent prints its own PID")
	assert.Equal(t, "Child process will start.", lines[1])
	m = childLine.FindStringSubmatch(lines[2])
	require.NotNil(t, m, "line %q", lines[2])
	assert.Equal(t, "test", m[1], "the child runs runProc(\"test\")")
	childPID := atoi(t, m[2])
	assert.NotEqual(t, parent, childPID, "the child is another process")
	assert.Equal(t, "Child process end.", lines[3], "the code's line, not the sample's drifted \"Process end.\"")

	assert.Equal(t, []string{"$ uname -sr", strings.TrimSpace(string(uname)), "Exit code: 0"}, lines[4:7],
		"subprocess.call: the command line, its output, its exit code")
	assert.Equal(t, []string{"$ sort", "apple", "banana", "cherry", "", "Exit code: 0"}, lines[7:13],
		"communicate(): the input went in on stdin and the sorted output came back, "+
			"printed with the newline print() adds")

	assert.Equal(t, "--- Go notes ---", lines[13])
	assert.Contains(t, strings.Join(lines[14:], "\n"), fmt.Sprintf("PID %d, exit status 0", childPID),
		"the PID the parent started is the PID the child printed for itself")
}

func TestNameReachesTheChildUntouched(t *testing.T) {
	lines := runLines(t, "-name", " two  words ")
	m := childLine.FindStringSubmatch(lines[2])
	require.NotNil(t, m, "line %q", lines[2])
	assert.Equal(t, " two  words ", m[1])
}

func TestFailingCommandShowsItsExitCode(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantOut []string // the lines from "$ ..." to "Exit code: ..."
	}{
		{"false", []string{"-cmd", "false"}, []string{"$ false", "Exit code: 1"}},
		// The captured output is printed as print() prints it, followed by
		// a newline: after output that ends in one, and after no output at
		// all, that is an empty line.
		{"exit 3 via stdin", []string{"-input-cmd", "sh", "-input", "exit 3"}, []string{"$ sh", "", "Exit code: 3"}},
		{"output before the failure is kept", []string{"-input-cmd", "sh", "-input", "echo partial; exit 4"},
			[]string{"$ sh", "partial", "", "Exit code: 4"}},
		{"output without a final newline", []string{"-input-cmd", "sh", "-input", "printf partial; exit 5"},
			[]string{"$ sh", "partial", "Exit code: 5"}},
		{"killed by a signal", []string{"-input-cmd", "sh", "-input", "kill -9 $$"},
			[]string{"$ sh", "", "Exit code: -1 (signal: killed)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The lesson still succeeds: the exit code is what it shows.
			lines := runLines(t, tt.args...)
			out := strings.Join(lines, "\n")
			assert.Contains(t, out, strings.Join(tt.wantOut, "\n"))
			assert.Contains(t, out, "--- Go notes ---", "the lesson goes on to the end")
		})
	}
}

func TestCommandNotFoundIsOneLineAndExit1(t *testing.T) {
	for _, flagName := range []string{"-cmd", "-input-cmd"} {
		t.Run(flagName, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), &out, []string{flagName, "no-such-command-here --version"})
			require.Error(t, err)
			assert.Equal(t, 1, cli.ExitCode(err))
			assert.Contains(t, err.Error(), `"no-such-command-here"`)
			assert.Contains(t, err.Error(), "not found")
			assert.NotContains(t, err.Error(), "\n")
			assert.Empty(t, out.String(), "checked before anything runs")
		})
	}
}

func TestCrashedChildIsNamedWithItsExitStatus(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-crash"})
	childtest.RequireNoneLeft(t)
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err), "the lesson fails when its child does")

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3, "the parent stops after the crash:\n%s", out.String())
	m := childLine.FindStringSubmatch(lines[2])
	require.NotNil(t, m, "line %q", lines[2])
	// A Go panic exits with status 2.
	assert.Equal(t, fmt.Sprintf("child process %s (pid %s) failed: exit status 2", crashRole, m[2]), err.Error())
}

// cancelOnOutput cancels a context as soon as the command it is the stdout
// of has written something, which proves the command is running. It drops
// the command's output from then on, which can be a lot.
type cancelOnOutput struct {
	mu      sync.Mutex
	prefix  string // after this line, any write is the command's
	cancel  context.CancelFunc
	out     bytes.Buffer
	started bool
}

func (c *cancelOnOutput) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started && len(bytes.Trim(p, "y\n")) == 0 {
		c.cancel()
		return len(p), nil
	}
	c.started = c.started || bytes.HasPrefix(p, []byte(c.prefix))
	return c.out.Write(p)
}

func (c *cancelOnOutput) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

func TestCancelKillsTheRunningCommand(t *testing.T) {
	// The timeout only keeps a broken test from hanging: it would end run
	// with DeadlineExceeded, which fails the check for Canceled below.
	ctx, stop := context.WithTimeout(t.Context(), 30*time.Second)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// yes(1) never ends by itself: the test passes only if cancelling the
	// context kills it.
	out := &cancelOnOutput{prefix: "$ yes", cancel: cancel}
	err := run(ctx, out, []string{"-cmd", "yes"})
	childtest.RequireNoneLeft(t)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "err = %v", err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Contains(t, out.String(), "$ yes\nExit code: -1 (signal: killed)\n")
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		args    []string
		wantMsg string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"ls"}, `unexpected argument "ls"`},
		{[]string{"-crash=maybe"}, `invalid boolean value "maybe" for -crash`},
		{[]string{"-cmd", ""}, "-cmd must name a command"},
		{[]string{"-input-cmd", "   "}, "-input-cmd must name a command"},
		{[]string{"-cmd", `sh -c 'exit 3'`}, "quotes are not supported"},
		{[]string{"-compare", "-name", "x", "-crash"}, "-compare runs the tutorial's programs as the Python twins do: it takes no -crash, -name"},
		{[]string{"-input", "z", "-compare"}, "it takes no -input"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.wantMsg)
		})
	}
}

func TestHelpListsTheFlags(t *testing.T) {
	clitest.RequireHelp(t, run, "-name", "-crash", "-cmd", "-input-cmd", "-input", "-tutorial-only", "-compare")
}
