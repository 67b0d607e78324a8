//go:build unix

package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
)

// slowStopRole stands for a lesson whose clean stop takes long: it says
// when it is ready and when its context is cancelled, then "cleans up" for
// a minute.
const slowStopRole = "cli-test-slow-stop"

func init() {
	child.Register(slowStopRole, func([]string) error {
		ctx, stop := NotifyContext(context.Background())
		defer stop()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("stopping")
		time.Sleep(time.Minute)
		return errors.New("the cleanup ran to its end")
	})
}

// TestSecondInterruptExitsAtOnce: the first Ctrl-C starts the clean stop,
// the second ends the program with status 130 instead of being swallowed.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	cmd, err := child.Command(t.Context(), slowStopRole)
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 2)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			require.Equal(t, want, got)
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("the child did not say %q within 10s", want)
		}
	}

	expect("ready")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	expect("stopping")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))

	exited := make(chan error, 1)
	go func() {
		for range lines {
		}
		exited <- cmd.Wait()
	}()
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatal("a second Ctrl-C did not end the program within 10s: it was swallowed")
	}
	exitErr, ok := errors.AsType[*exec.ExitError](err)
	require.True(t, ok, "want an exit status, got %v", err)
	assert.Equal(t, 130, exitErr.ExitCode())
	assert.Equal(t, "second interrupt while stopping: exiting now\n", stderr.String())
}
