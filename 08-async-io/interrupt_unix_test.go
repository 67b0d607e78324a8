//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
)

// mainRole is the lesson's own main, run in a child process, so that a test
// can send it signals as a shell would.
const mainRole = "08-async-io-main"

func init() {
	child.Register(mainRole, func(args []string) error {
		os.Args = append([]string{"08-async-io"}, args...) // no child marker: main runs as the lesson
		main()
		return nil
	})
}

func TestSecondSignalWhileStoppingExitsAtOnce(t *testing.T) {
	// A CPU-bound task of a second cannot be cut short, so a first Ctrl-C
	// during the study waits for it; a second signal must end the program
	// at once, with the shell's status for it. The second is SIGTERM, which
	// the lesson handles as it does Ctrl-C: two SIGINTs sent back to back
	// can reach the process as one, since the kernel keeps at most one of
	// each signal pending.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd, err := child.Command(ctx, mainRole, "-conns", "1", "-delay", "0", "-tasks", "1", "-cpu-task", "1s", "-io-wait", "1ms")
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())

	// The CPU-bound table's title comes just before its first task: the
	// signals arrive while that task computes.
	computing := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			if !seen && strings.HasPrefix(sc.Text(), "CPU-bound: each task computes") {
				seen = true
				computing <- true
			}
		}
		if !seen {
			computing <- false
		}
	}()
	if !<-computing {
		err := cmd.Wait()
		t.Fatalf("the lesson ended (%v) before its study began: %s", err, stderr.String())
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

	err = cmd.Wait()
	require.NoError(t, ctx.Err(), "the lesson did not end within 60s of two signals")
	exit, ok := errors.AsType[*exec.ExitError](err)
	require.True(t, ok, "the lesson must fail after Ctrl-C; got %v (stderr: %s)", err, stderr.String())
	// The kernel hands over the lower-numbered signal first, so the second
	// is SIGTERM (128+15); either way round, the program must say which
	// signal ended it and exit with the shell's status for it.
	assert.Contains(t, []int{128 + int(syscall.SIGTERM), 128 + int(syscall.SIGINT)}, exit.ExitCode(),
		"the status of the second signal; stderr: %s", stderr.String())
	assert.Regexp(t, `second (terminated|interrupt) while stopping: exiting now`, stderr.String())
}
