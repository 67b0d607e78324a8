package child

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

type exitStatus int

func (e exitStatus) Error() string { return "exit status " + strconv.Itoa(int(e)) }
func (e exitStatus) ExitCode() int { return int(e) }

func init() {
	Register("test-report", func(args []string) error {
		fmt.Printf("pid=%d ppid=%d args=%s\n", os.Getpid(), os.Getppid(), strings.Join(args, "|"))
		return nil
	})
	Register("test-fail", func(args []string) error {
		return errors.New("planned failure")
	})
	Register("test-exit-code", func(args []string) error {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return err
		}
		return exitStatus(n)
	})
	Register("test-no-extra-file", func(args []string) error {
		_, err := ExtraFile(0, "message")
		return err
	})
	Register("test-extra-file", func(args []string) error {
		f, err := ExtraFile(0, "message")
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(os.Stdout, f)
		return err
	})
}

func TestMain(m *testing.M) {
	Serve()
	// As childtest.Serve does (which this package cannot import): spare the
	// children the race detector's one-second exit grace.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	goleak.VerifyTestMain(m)
}

func TestChildIsAnotherProcessWithItsArguments(t *testing.T) {
	cmd, err := Command(t.Context(), "test-report", "a b", "", "-flag")
	require.NoError(t, err)
	var out bytes.Buffer
	cmd.Stdout = &out
	require.NoError(t, cmd.Run())

	var pid, ppid int
	var args string
	_, err = fmt.Sscanf(out.String(), "pid=%d ppid=%d args=%s", &pid, &ppid, &args)
	require.NoError(t, err, "child printed %q", out.String())
	assert.NotEqual(t, os.Getpid(), pid, "the child must be another process")
	assert.Equal(t, cmd.Process.Pid, pid, "the child reports the PID the parent started")
	assert.Equal(t, os.Getpid(), ppid, "the child's parent is this process")
	assert.Equal(t, "a b||-flag\n", strings.TrimPrefix(out.String(), fmt.Sprintf("pid=%d ppid=%d args=", pid, ppid)),
		"arguments arrive untouched, spaces and empty ones included")
}

func TestChildErrorBecomesExitStatus(t *testing.T) {
	tests := []struct {
		role string
		args []string
		want int
	}{
		{"test-fail", nil, 1},
		{"test-exit-code", []string{"3"}, 3},
		{"test-report", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			cmd, err := Command(t.Context(), tt.role, tt.args...)
			require.NoError(t, err)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err = cmd.Run()
			if tt.want == 0 {
				require.NoError(t, err)
				return
			}
			exitErr, ok := errors.AsType[*exec.ExitError](err)
			require.True(t, ok, "want an exit error, got %v", err)
			assert.Equal(t, tt.want, exitErr.ExitCode())
			assert.Contains(t, stderr.String(), "child "+tt.role, "the child says who failed")
		})
	}
}

func TestUnknownRoleIsRefusedInTheParent(t *testing.T) {
	_, err := Command(context.Background(), "no-such-role")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"no-such-role"`)
	assert.Contains(t, err.Error(), "test-report", "the error lists the roles there are")
}

func TestUnknownRoleInTheChildExits2(t *testing.T) {
	assert.Equal(t, 2, serve("no-such-role", nil))
}

func TestExtraFileReachesTheChild(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("extra files are a Unix feature")
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	cmd, err := Command(t.Context(), "test-extra-file")
	require.NoError(t, err)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.ExtraFiles = []*os.File{r}
	require.NoError(t, cmd.Start())
	require.NoError(t, r.Close(), "the parent's copy of the read end is closed once the child has it")
	_, err = io.WriteString(w, "over descriptor 3")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "over descriptor 3", out.String())
}

func TestMissingExtraFileIsAnError(t *testing.T) {
	_, err := ExtraFile(1000, "nothing")
	assert.Error(t, err)

	// A child that was passed nothing must not mistake a descriptor of its
	// own runtime for the parent's file.
	cmd, err := Command(t.Context(), "test-no-extra-file")
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.Error(t, cmd.Run())
	assert.Contains(t, stderr.String(), "no extra file 0 (message) was passed")
}

func TestRegisterTwicePanics(t *testing.T) {
	assert.Panics(t, func() { Register("test-report", nil) })
}
