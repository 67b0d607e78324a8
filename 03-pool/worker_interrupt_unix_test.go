//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
)

// TestWorkerProcessOutlivesCtrlC checks that a worker process leaves Ctrl-C
// to its parent. A terminal sends SIGINT to the whole foreground group; a
// worker that died of it would take its task down before the parent could
// decide anything. Here a worker gets SIGINT in the middle of a task and
// must still finish it and answer.
func TestWorkerProcessOutlivesCtrlC(t *testing.T) {
	cmd, err := child.Command(t.Context(), workerRole)
	require.NoError(t, err)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// Whatever happens below, the worker gets EOF and is waited for.
	waited := false
	t.Cleanup(func() {
		if !waited {
			in.Close()
			_ = cmd.Wait()
		}
	})

	const sleep = 300 * time.Millisecond
	_, err = fmt.Fprintf(in, `{"task":7,"sleep":%d}`+"\n", sleep)
	require.NoError(t, err)

	// The replies come from a goroutine, so that a silent worker fails the
	// test at its deadline instead of hanging it.
	replies := make(chan reply, 4)
	go func() {
		defer close(replies)
		dec := json.NewDecoder(bufio.NewReader(out))
		for {
			var r reply
			if dec.Decode(&r) != nil {
				return
			}
			replies <- r
		}
	}()
	next := func(what string) reply {
		t.Helper()
		select {
		case r, ok := <-replies:
			require.True(t, ok, "the worker's output ended before it said the task %s: it died of SIGINT", what)
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("the worker did not say within 10s that the task %s", what)
			return reply{}
		}
	}

	started := next("started")
	require.True(t, started.Started, "first reply %+v; want the start", started)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	ended := next("ended")
	assert.Equal(t, reply{Task: 7, PID: cmd.Process.Pid}, reply{Task: ended.Task, PID: ended.PID, Started: ended.Started, Error: ended.Error},
		"the task finishes despite the SIGINT")

	require.NoError(t, in.Close())
	waited = true
	assert.NoError(t, cmd.Wait(), "the worker exits 0 at the end of its input")
	for range replies {
	}
}
