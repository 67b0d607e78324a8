package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/child"
	"multitask/internal/childtest"
	"multitask/internal/cli"
	"multitask/internal/clitest"
)

// crashRole is a child that fails with exit status 3, to see how the parent
// reports it.
const crashRole = "test-crash"

type exitStatus int

func (e exitStatus) Error() string { return "crashing on purpose" }
func (e exitStatus) ExitCode() int { return int(e) }

func init() {
	child.Register(crashRole, func([]string) error { return exitStatus(3) })
}

func TestMain(m *testing.M) {
	// The test binary plays the child processes too; see childtest.Serve.
	childtest.Serve()
	goleak.VerifyTestMain(m)
}

var (
	startLine   = regexp.MustCompile(`^Process \((\d+)\) start\.\.\.$`)
	createdLine = regexp.MustCompile(`^I \((\d+)\) just created a child process \((\d+)\)\.$`)
	childLine   = regexp.MustCompile(`^I am child process \((\d+)\) and my parent is (\d+)\.$`)
	forkExecPID = regexp.MustCompile(`^syscall\.ForkExec .*started process (\d+)\.$`)
	exitedLine  = regexp.MustCompile(`^Process (\d+) exited: exit status 0\.$`)
)

// runOutput runs the lesson with args and returns its lines, split at the
// "--- Go notes ---" marker.
func runOutput(t *testing.T, args ...string) (tutorial, notes []string) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, args))
	childtest.RequireNoneLeft(t)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	i := slices.Index(lines, "--- Go notes ---")
	require.GreaterOrEqual(t, i, 0, "no Go notes marker in:\n%s", out.String())
	return lines[:i], lines[i+1:]
}

// pid parses a PID a regular expression captured.
func pid(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func TestParentAndChildrenAreDistinctRelatedProcesses(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("children=%d", n), func(t *testing.T) {
			lines, _ := runOutput(t, "-children", strconv.Itoa(n))
			require.Len(t, lines, 1+2*n, "one start line, then a line from the parent and one from each child:\n%s", strings.Join(lines, "\n"))

			m := startLine.FindStringSubmatch(lines[0])
			require.NotNil(t, m, "first line %q", lines[0])
			parent := pid(t, m[1])
			assert.Equal(t, os.Getpid(), parent, "the start line carries the parent's own PID")

			var created, reported []int
			for _, line := range lines[1:] {
				if m := createdLine.FindStringSubmatch(line); m != nil {
					assert.Equal(t, parent, pid(t, m[1]), "the parent's line carries its own PID: %q", line)
					created = append(created, pid(t, m[2]))
					continue
				}
				m := childLine.FindStringSubmatch(line)
				require.NotNil(t, m, "line of neither shape: %q", line)
				assert.Equal(t, parent, pid(t, m[2]), "the child's parent is the process that started it: %q", line)
				reported = append(reported, pid(t, m[1]))
			}
			slices.Sort(created)
			slices.Sort(reported)
			assert.Equal(t, created, reported, "the PIDs the parent printed are the PIDs the children printed for themselves")
			assert.Len(t, slices.Compact(slices.Clone(created)), n, "every child is its own process")
			assert.NotContains(t, created, parent, "no child has the parent's PID")
		})
	}
}

func TestGoNotesShowForkExec(t *testing.T) {
	_, notes := runOutput(t)
	require.NotEmpty(t, notes)
	assert.Contains(t, notes[0], "Go has no fork()")
	if !forkExecAvailable {
		assert.Contains(t, strings.Join(notes, "\n"), "syscall.ForkExec is not available")
		return
	}
	// The notes end with the ForkExec child: the PID ForkExec returned, the
	// child's own line, and its exit status.
	require.GreaterOrEqual(t, len(notes), 4, "notes:\n%s", strings.Join(notes, "\n"))
	last := notes[len(notes)-3:]
	m := forkExecPID.FindStringSubmatch(last[0])
	require.NotNil(t, m, "line %q", last[0])
	started := pid(t, m[1])

	m = childLine.FindStringSubmatch(last[1])
	require.NotNil(t, m, "line %q", last[1])
	assert.Equal(t, started, pid(t, m[1]), "the PID ForkExec returned is the child's own")
	assert.Equal(t, os.Getpid(), pid(t, m[2]), "the ForkExec child is a child of this process")
	assert.NotEqual(t, os.Getpid(), started)

	m = exitedLine.FindStringSubmatch(last[2])
	require.NotNil(t, m, "line %q", last[2])
	assert.Equal(t, started, pid(t, m[1]))
}

func TestCrashedChildIsNamedWithItsExitStatus(t *testing.T) {
	var out bytes.Buffer
	err := startChildren(t.Context(), &out, crashRole, 2)
	childtest.RequireNoneLeft(t)
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err), "a failed child makes the lesson fail")

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 2, "both children started, and neither printed:\n%s", out.String())
	for _, line := range lines {
		m := createdLine.FindStringSubmatch(line)
		require.NotNil(t, m, "line %q", line)
		assert.Contains(t, err.Error(), fmt.Sprintf("child process %s (pid %s) failed: exit status 3", crashRole, m[2]),
			"each crashed child is named with its PID and exit status")
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		args    []string
		wantMsg string
	}{
		{[]string{"-children", "0"}, "-children must be at least 1, got 0"},
		{[]string{"-children", "-2"}, "-children must be at least 1, got -2"},
		{[]string{"-children", "65"}, "-children must be at most 64, got 65"},
		{[]string{"-children", "many"}, `invalid value "many" for flag -children`},
		{[]string{"-fork"}, "flag provided but not defined: -fork"},
		{[]string{"now"}, `unexpected argument "now"`},
		{[]string{"-compare", "-children", "2"}, "-compare runs the tutorial's program, one child on each side"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.wantMsg)
		})
	}
}

func TestHelpListsTheFlag(t *testing.T) {
	clitest.RequireHelp(t, run, "-children", "-tutorial-only", "-compare")
}
