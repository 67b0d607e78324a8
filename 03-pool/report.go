package main

import (
	"fmt"
	"io"
	"os"
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
// run at once, and keeps what the Go notes (notes.go) and the exit status
// need. Both modes call it from many goroutines; the mutex keeps every line
// whole and the counts true, and it orders the lines as the events happened.
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

	// For the timeline of the Go notes, and only when they are printed:
	began   time.Time         // when the pool began, by this process's clock
	startOf map[int]time.Time // when each running task started
	spans   []span            // the tasks that ran, in the order they ended
}

func newReport(w io.Writer, cfg config) *report {
	return &report{w: w, cfg: cfg, pid: os.Getpid(), running: map[int]bool{}, ran: map[int][]int{}, failed: map[int]string{},
		began: time.Now(), startOf: map[int]time.Time{}}
}

// printf prints one whole line of the program's own, such as "Parent process
// %d.", between the lines the tasks print.
func (r *report) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, format, args...)
}

// started reports that task began in process pid at time at. It is the
// report's side of taskLines, and never fails.
func (r *report) started(task, pid int, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cfg.tutorialOnly {
		r.startOf[task] = at
	}
	r.running[task] = true
	r.most = max(r.most, len(r.running))
	if _, seen := r.ran[pid]; !seen {
		r.pids = append(r.pids, pid)
	}
	r.ran[pid] = append(r.ran[pid], task)
	fmt.Fprintf(r.w, "Run task %d (%d)...\n", task, pid)
	r.notify(event{Task: task, PID: pid, Started: true, At: at})
	return nil
}

// ended reports that task ended at time at, after running for elapsed, with
// err nil for success. A task may end without having started, when the worker
// process that took it died before it could say so. It never fails.
func (r *report) ended(task, pid int, at time.Time, elapsed time.Duration, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, task)
	if start, ok := r.startOf[task]; ok {
		delete(r.startOf, task)
		r.spans = append(r.spans, span{task: task, pid: pid, start: start, end: at})
	}
	if err != nil {
		r.failed[task] = err.Error()
		fmt.Fprintf(r.w, "Task %d failed: %v\n", task, err)
	} else {
		fmt.Fprintf(r.w, "Task %d runs %0.2f seconds.\n", task, elapsed.Seconds())
	}
	r.notify(event{Task: task, PID: pid, At: at, Elapsed: elapsed, Err: err})
	return nil
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
