package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one thing the pool reports: a task started, or a task ended.
type event struct {
	Task    int
	PID     int       // the process that ran the task
	Started bool      // true when the task began, false when it ended
	At      time.Time // read from the clock of the process that ran the task
	Elapsed time.Duration
	Err     error
}

// report prints the tutorial's lines as tasks start and end, counts how many
// run at once, and keeps what the Go notes and the exit status need. Both
// modes call it from many goroutines; the mutex keeps every line whole and
// the counts true, and it orders the lines as the events happened.
type report struct {
	mu      sync.Mutex
	w       io.Writer
	cfg     config
	pid     int
	running map[int]bool // tasks started and not yet ended
	most    int          // the most tasks seen running at once
	spawned int          // worker processes started (process mode)
	lost    int          // worker processes that died holding a task
	pids    []int        // processes that ran tasks, in order of first use
	ran     map[int][]int
	failed  map[int]string // why each task that did not succeed failed
	broken  []string       // problems of worker processes not tied to a task
}

func newReport(w io.Writer, cfg config) *report {
	return &report{w: w, cfg: cfg, pid: os.Getpid(), running: map[int]bool{}, ran: map[int][]int{}, failed: map[int]string{}}
}

// begin prints the tutorial's first two lines. In Python the second comes
// after the apply_async calls, which return at once; here it comes before the
// tasks are handed out, which is where a reader sees it in both.
func (r *report) begin() {
	fmt.Fprintf(r.w, "Parent process %d.\n", r.pid)
	fmt.Fprintln(r.w, "Waiting for all subprocesses done...")
}

// started reports that task began in process pid at time at.
func (r *report) started(task, pid int, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running[task] = true
	r.most = max(r.most, len(r.running))
	if _, seen := r.ran[pid]; !seen {
		r.pids = append(r.pids, pid)
	}
	r.ran[pid] = append(r.ran[pid], task)
	fmt.Fprintf(r.w, "Run task %d (%d)...\n", task, pid)
	r.notify(event{Task: task, PID: pid, Started: true, At: at})
}

// ended reports that task ended at time at, after running for elapsed, with
// err nil for success. A task may end without having started, when the worker
// process that took it died before it could say so.
func (r *report) ended(task, pid int, at time.Time, elapsed time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, task)
	if err != nil {
		r.failed[task] = err.Error()
		fmt.Fprintf(r.w, "Task %d failed: %v\n", task, err)
	} else {
		fmt.Fprintf(r.w, "Task %d runs %0.2f seconds.\n", task, elapsed.Seconds())
	}
	r.notify(event{Task: task, PID: pid, At: at, Elapsed: elapsed, Err: err})
}

// notRun reports a task that never reached a worker, so that it is not lost
// without a word.
func (r *report) notRun(task int, why error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed[task] = fmt.Sprintf("not run: %v", why)
	fmt.Fprintf(r.w, "Task %d was not run: %v\n", task, why)
}

// spawnedWorker counts a worker process that started.
func (r *report) spawnedWorker() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spawned++
}

// lostWorker counts a worker process that died while it held a task.
func (r *report) lostWorker() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lost++
}

// workerFailed reports a worker process that failed while it held no task:
// it could not start, or it ended with a bad status after its last task.
func (r *report) workerFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broken = append(r.broken, err.Error())
	fmt.Fprintf(r.w, "Pool: %v\n", err)
}

func (r *report) notify(e event) {
	if r.cfg.observe != nil {
		r.cfg.observe(e)
	}
}

// end prints the tutorial's last line, then the Go notes, and returns an
// error naming every failure, or nil.
func (r *report) end() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.w, "All subprocesses done.")
	fmt.Fprintln(r.w, "--- Go notes ---")
	switch r.cfg.mode {
	case modeProcess:
		fmt.Fprintf(r.w, "-mode process: %d worker processes, each this program re-run as child:%s, took tasks as JSON lines on stdin and answered on stdout, one task at a time.\n",
			r.spawned, workerRole)
		for _, pid := range r.pids {
			fmt.Fprintf(r.w, "PID %d ran %s.\n", pid, taskNames(r.ran[pid]))
		}
	default:
		fmt.Fprintf(r.w, "-mode goroutine: each task ran in a goroutine of this one process, so every line shows PID %d; goroutines have no PID or ID of their own.\n", r.pid)
	}
	fmt.Fprintf(r.w, "At most %d tasks ran at once (-workers %d).\n", r.most, r.cfg.workers)

	if len(r.failed) == 0 && len(r.broken) == 0 {
		return nil
	}
	if len(r.failed) > 0 {
		fmt.Fprintf(r.w, "%d of %d tasks did not succeed, so the exit status is 1. The tutorial's Python would not tell:\n", len(r.failed), r.cfg.tasks)
		fmt.Fprintln(r.w, "its Pool keeps a task's exception in the AsyncResult of apply_async, whose get() the tutorial never calls.")
		if r.lost > 0 {
			fmt.Fprintln(r.w, "And when a worker process dies, Pool starts another but waits for the lost task forever: join() never returns.")
		}
	}
	var parts []string
	if len(r.failed) > 0 {
		var why []string
		for _, task := range slices.Sorted(maps.Keys(r.failed)) {
			why = append(why, fmt.Sprintf("task %d: %s", task, r.failed[task]))
		}
		parts = append(parts, fmt.Sprintf("%d of %d tasks failed: %s", len(r.failed), r.cfg.tasks, strings.Join(why, "; ")))
	}
	return errors.New(strings.Join(append(parts, r.broken...), "; "))
}

// taskNames says "task 3" or "tasks 0, 4".
func taskNames(tasks []int) string {
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = strconv.Itoa(t)
	}
	if len(tasks) == 1 {
		return "task " + names[0]
	}
	return "tasks " + strings.Join(names, ", ")
}
