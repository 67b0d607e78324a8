package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

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

func TestBadInputIsOneLineWithExitStatus2(t *testing.T) {
	tests := []struct {
		args []string
		want string // a part of the one-line message
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"-workers", "0"}, "-workers must be at least 1, got 0"},
		{[]string{"-workers", "-3"}, "-workers must be at least 1, got -3"},
		{[]string{"-workers", "x"}, `invalid value "x" for flag -workers`},
		{[]string{"-tasks", "-1"}, "-tasks must be at least 1, got -1"},
		{[]string{"-tasks", "10001"}, "-tasks must be at most 10000, got 10001"},
		{[]string{"-tasks", "9223372036854775807"}, "-tasks must be at most 10000, got 9223372036854775807"},
		{[]string{"-tasks", "1e12"}, `invalid value "1e12" for flag -tasks`},
		{[]string{"-workers", "10001"}, "-workers must be at most 10000, got 10001"},
		{[]string{"-max-sleep", "2h"}, "-max-sleep must be at most 1h0m0s, got 2h0m0s"},
		{[]string{"-max-sleep", "-1s"}, "-max-sleep must not be negative, got -1s"},
		{[]string{"-max-sleep", "3"}, `invalid value "3" for flag -max-sleep`},
		{[]string{"-mode", "thread"}, `-mode "thread": want goroutine or process`},
		{[]string{"-mode", "process", "-workers", "1000"}, "-workers 1000 is too many worker processes: at most 64"},
		{[]string{"-fail", "x"}, `invalid value "x" for flag -fail: "x" is not a task number`},
		{[]string{"-fail", "-1"}, `"-1" is not a task number`},
		{[]string{"-fail", "5"}, "-fail 5: there is no task 5 (tasks are numbered 0 to 4)"},
		{[]string{"-tasks", "3", "-panic", "1,3"}, "-panic 3: there is no task 3 (tasks are numbered 0 to 2)"},
		{[]string{"-fail", "2", "-panic", "2"}, "task 2 is given two faults (error and panic): give it one"},
		{[]string{"-mode", "goroutine", "-crash", "1"}, "-crash needs -mode process"},
		{[]string{"-workers", "65"}, "-workers 65 is too many worker processes: at most 64"},
		{[]string{"-compare", "-workers", "2"}, "-compare runs the tutorial's Pool(4) with 5 tasks beside Python: drop -workers"},
		{[]string{"-compare", "-tasks", "6", "-fail", "1"}, "drop -fail -tasks"},
		{[]string{"-compare", "-mode", "process", "-crash", "1", "-panic", "2"}, "drop -crash -panic"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			clitest.RequireUsageError(t, run, tt.args, tt.want)
		})
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	clitest.RequireHelp(t, run, "-workers", "-tasks", "-max-sleep", "-mode", "-fail", "-panic", "-crash",
		"-tutorial-only", "-compare")
}

func TestFaultFlagsTakeListsAndRepeats(t *testing.T) {
	var out bytes.Buffer
	cfg, err := parseConfig(&out, []string{"-tasks", "6", "-fail", "0, 2", "-fail", "2", "-panic", "4", "-mode", "process", "-crash", "5"})
	require.NoError(t, err)
	assert.Equal(t, map[int]fault{0: faultError, 2: faultError, 4: faultPanic, 5: faultCrash}, cfg.faults)
	jobs := cfg.jobs()
	require.Len(t, jobs, 6)
	for i, j := range jobs {
		assert.Equal(t, i, j.Task)
		assert.Equal(t, cfg.faults[i], j.Fault, "task %d", i)
		assert.True(t, j.Sleep >= 0 && j.Sleep < cfg.maxSleep, "task %d sleeps %v, want [0, %v)", i, j.Sleep, cfg.maxSleep)
	}
}

func TestInterruptBeforeTheStartRunsNothingAndSaysSo(t *testing.T) {
	for _, mode := range []string{modeGoroutine, modeProcess} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var out bytes.Buffer
			err := run(ctx, &out, []string{"-mode", mode, "-workers", "2", "-tasks", "3"})
			require.Error(t, err)
			assert.Equal(t, 1, cli.ExitCode(err))
			tr := parseTranscript(t, out.String(), 3)
			assert.Empty(t, tr.pidOf, "no task started")
			for task := range 3 {
				assert.Equal(t, "not run: interrupted: context canceled", tr.failed[task], "task %d", task)
			}
		})
	}
}

// recorder collects the events the pool reports, for tests that check what
// the printed lines only imply: when each task really started and ended.
type recorder struct {
	mu      sync.Mutex
	list    []event
	onEvent func(event) // called for each event, if set
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	r.list = append(r.list, e)
	r.mu.Unlock()
	if r.onEvent != nil {
		r.onEvent(e)
	}
}

func (r *recorder) events() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list
}

// runObserved runs the lesson as run does, with rec recording the pool's
// events.
func runObserved(ctx context.Context, t *testing.T, rec *recorder, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cfg, err := parseConfig(&out, args)
	require.NoError(t, err)
	cfg.observe = rec.add
	err = runPool(ctx, &out, cfg)
	return out.String(), err
}
