package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/internal/child"
	"multitask/internal/cli"
)

// Process mode (process_pool.go, worker_process.go) runs real worker
// processes, so its sleeps are real: these tests keep them under 30 ms with
// -max-sleep.

func TestProcessModeReusesFewerProcessesThanTasks(t *testing.T) {
	tests := []struct{ workers, tasks int }{{1, 3}, {2, 6}, {3, 7}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("workers=%d,tasks=%d", tt.workers, tt.tasks), func(t *testing.T) {
			var rec recorder
			out, err := runObserved(t.Context(), t, &rec, "-mode", "process", "-max-sleep", "30ms",
				"-workers", fmt.Sprint(tt.workers), "-tasks", fmt.Sprint(tt.tasks))
			require.NoError(t, err)
			tr := parseTranscript(t, out, tt.tasks)
			assert.Equal(t, os.Getpid(), tr.parentPID)

			// Never more than -workers tasks between their Run line and
			// their end line.
			assert.LessOrEqual(t, tr.most, tt.workers, "most tasks running at once, by the output:\n%s", out)

			// The work was done by at most -workers processes, none of them
			// this one, so some PID ran several tasks as in the tutorial.
			pids := tr.pids()
			assert.LessOrEqual(t, len(pids), tt.workers, "more worker processes than -workers:\n%s", out)
			assert.Less(t, len(pids), tt.tasks)
			assert.NotContains(t, pids, os.Getpid(), "tasks ran in worker processes, not the parent")

			// By the workers' own clocks: each process ran one task at a
			// time, and never more than -workers ran at once. A worker
			// taking a second task while busy, or an extra worker, breaks
			// this even when the output looks fine.
			list := intervals(t, rec.events())
			require.Len(t, list, tt.tasks)
			assert.LessOrEqual(t, mostOverlapping(list), tt.workers, "most tasks running at once, by the clock")
			for _, pid := range pids {
				var own []interval
				for _, iv := range list {
					if iv.pid == pid {
						own = append(own, iv)
					}
				}
				assert.Equal(t, 1, mostOverlapping(own), "process %d ran tasks at the same time", pid)
			}

			for _, pid := range pids {
				requireExited(t, pid)
			}
		})
	}
}

func TestProcessModeTaskWaitsForAFreeWorker(t *testing.T) {
	var rec recorder
	_, err := runObserved(t.Context(), t, &rec, "-mode", "process", "-max-sleep", "20ms", "-workers", "2", "-tasks", "5")
	require.NoError(t, err)

	// Each task after the first two starts in a process that has ended a
	// task before, and after that end: it waited for that worker to be free.
	lastEnd := map[int]time.Time{}
	startedFresh := 0
	for _, e := range rec.events() {
		if !e.Started {
			lastEnd[e.PID] = e.At
			continue
		}
		end, reused := lastEnd[e.PID]
		if !reused {
			startedFresh++
			continue
		}
		assert.False(t, e.At.Before(end), "task %d started in process %d before its last task ended", e.Task, e.PID)
	}
	assert.LessOrEqual(t, startedFresh, 2, "tasks that did not wait for a worker")
}

func TestProcessModeReportsErrorsAndPanics(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), &out, []string{"-mode", "process", "-max-sleep", "20ms", "-workers", "2", "-fail", "1", "-panic", "2"})
	require.Error(t, err)
	assert.Equal(t, 1, cli.ExitCode(err))
	assert.Equal(t, "2 of 5 tasks failed: task 1: planned failure (-fail 1); task 2: panic: planned panic (-panic 2)", err.Error())

	tr := parseTranscript(t, out.String(), 5)
	assert.Equal(t, map[int]string{1: "planned failure (-fail 1)", 2: "panic: planned panic (-panic 2)"}, tr.failed)
	assert.Len(t, tr.seconds, 3, "the other tasks still finish")
	// A panic inside a task is the task's failure, not the worker's: no
	// worker process was replaced.
	assert.LessOrEqual(t, len(tr.pids()), 2)
	for _, pid := range tr.pids() {
		requireExited(t, pid)
	}
}

var diedLine = regexp.MustCompile(`^worker process (\d+) died while running it: exit status 3$`)

func TestProcessModeWorkerCrashIsReportedAndReplaced(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		tasks   int
		crashed []int
	}{
		{"one of two workers", []string{"-workers", "2", "-tasks", "5", "-crash", "1"}, 5, []int{1}},
		{"every task kills its worker", []string{"-workers", "1", "-tasks", "3", "-crash", "0,1,2"}, 3, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"-mode", "process", "-max-sleep", "20ms"}, tt.args...)
			err := run(t.Context(), &out, args)
			require.Error(t, err)
			assert.Equal(t, 1, cli.ExitCode(err))

			tr := parseTranscript(t, out.String(), tt.tasks)
			require.Len(t, tr.failed, len(tt.crashed), "only the crashed tasks fail:\n%s", out.String())
			for _, task := range tt.crashed {
				// The line names the process that died and its status: the
				// PID is the one the task's Run line showed.
				m := diedLine.FindStringSubmatch(tr.failed[task])
				require.NotNil(t, m, "task %d: %q", task, tr.failed[task])
				pid := atoi(t, m[1])
				assert.Equal(t, tr.pidOf[task], pid)
				assert.Contains(t, err.Error(), fmt.Sprintf("task %d: worker process %d died while running it: exit status 3", task, pid))
				for other, otherPID := range tr.pidOf {
					assert.False(t, other > task && otherPID == pid, "task %d ran in process %d after it died", other, pid)
				}
			}
			for _, pid := range tr.pids() {
				requireExited(t, pid)
			}
		})
	}
}

func TestProcessModeInterruptKillsWorkersAndLosesNoTask(t *testing.T) {
	// Ctrl-C comes as soon as the first task has started; the tasks sleep
	// up to an hour, so they can only end by being stopped.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rec := recorder{onEvent: func(e event) {
		if e.Started {
			cancel()
		}
	}}
	start := time.Now()
	out, err := runObserved(ctx, t, &rec, "-mode", "process", "-max-sleep", "1h", "-workers", "2", "-tasks", "4")
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Minute, "the pool did not wait for the sleeps")
	assert.Contains(t, err.Error(), "interrupted: context canceled")

	tr := parseTranscript(t, out, 4)
	assert.Len(t, tr.failed, 4, "every task reports it was stopped or not run:\n%s", out)
	for _, pid := range tr.pids() {
		requireExited(t, pid)
	}
}

func TestWorkerAnswersEachTaskTwice(t *testing.T) {
	in := strings.NewReader(`{"task":0,"sleep":0}` + "\n" + `{"task":4,"sleep":1000,"fault":"error"}` + "\n")
	var out bytes.Buffer
	crashed := false
	require.NoError(t, work(t.Context(), in, &out, 42, func() { crashed = true }))
	assert.False(t, crashed)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4, "a start and an end answer per task:\n%s", out.String())
	for i, want := range []string{
		`^\{"task":0,"pid":42,"started":true,"at":"[^"]+"\}$`,
		`^\{"task":0,"pid":42,"started":false,"at":"[^"]+"(,"elapsed":\d+)?\}$`,
		`^\{"task":4,"pid":42,"started":true,"at":"[^"]+"\}$`,
		`^\{"task":4,"pid":42,"started":false,"at":"[^"]+","elapsed":\d+,"error":"planned failure \(-fail 4\)"\}$`,
	} {
		assert.Regexp(t, want, lines[i])
	}
}

func TestWorkerProcessRefusesBadInput(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"not JSON", "hello\n", "read a task: invalid character 'h'"},
		{"unknown field", `{"task":1,"shell":"rm -rf /"}` + "\n", `read a task: json: unknown field "shell"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := child.Command(t.Context(), workerRole)
			require.NoError(t, err)
			var stdout, stderr bytes.Buffer
			cmd.Stdin = strings.NewReader(tt.input)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			exitErr, ok := errors.AsType[*exec.ExitError](err)
			require.True(t, ok, "want an exit status, got %v", err)
			assert.Equal(t, 1, exitErr.ExitCode())
			assert.Contains(t, stderr.String(), tt.want)
			assert.Empty(t, stdout.String(), "no answer to a task it could not read")
		})
	}
}

// liarRole is a worker process that breaks the protocol: it answers a task
// with another process's PID, then hangs on.
const liarRole = "pool-test-liar"

func init() {
	child.Register(liarRole, func([]string) error {
		in := bufio.NewReader(os.Stdin)
		if _, err := in.ReadString('\n'); err != nil {
			return err
		}
		fmt.Println(`{"task":0,"pid":1,"started":true,"at":"2000-01-01T00:00:00Z"}`)
		_, err := io.Copy(io.Discard, in) // until the parent kills it
		return err
	})
}

func TestWorkerProcessThatBreaksTheProtocolIsStopped(t *testing.T) {
	var out bytes.Buffer
	rep := newReport(&out, config{mode: modeProcess, workers: 1, tasks: 1})
	w, err := startWorker(t.Context(), liarRole, rep)
	require.NoError(t, err)
	assert.False(t, w.run(job{Task: 0}, rep), "the worker is given up")
	assert.Equal(t, fmt.Sprintf(
		"Task 0 failed: worker process %d broke the protocol (its answer was for task 0, PID 1, started=true; want task 0, PID %[1]d, started=true), so it was stopped: signal: killed\n",
		w.pid), out.String())
	requireExited(t, w.pid)
}
