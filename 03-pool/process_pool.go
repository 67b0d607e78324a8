package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"multitask/internal/child"
)

// pool is the tutorial's Pool made of real processes: worker processes, each
// this program re-run in the pool-worker role (worker_process.go), and a queue
// of tasks. One goroutine per worker process, a feeder, hands it a task over
// its stdin and relays the two answers it writes on stdout, "started" and
// "ended"; only then does it take the next task from the queue. So a worker
// process runs one task at a time, at most n run at once, the task after the
// first n waits for a worker to come free, and one PID runs several tasks, as
// in the tutorial's sample output.
type pool struct {
	ctx   context.Context
	rep   *report
	queue chan job
	wg    sync.WaitGroup
}

// newPool starts the pool's workers: n, or fewer if fewer tasks are coming,
// since a worker without a task would only start and exit. The queue holds
// every task, so applyAsync never waits, as Python's apply_async returns at
// once.
func newPool(ctx context.Context, n, tasks int, rep *report) *pool {
	p := &pool{ctx: ctx, rep: rep, queue: make(chan job, tasks)}
	for range min(n, tasks) {
		p.wg.Go(func() { feedWorker(ctx, p.queue, rep) })
	}
	return p
}

// applyAsync queues task j; the next free worker takes it.
func (p *pool) applyAsync(j job) { p.queue <- j }

// close says no more tasks are coming: each feeder, once the queue is empty,
// tells its worker process to exit.
func (p *pool) close() { close(p.queue) }

// join waits for every feeder, so for every task to end and every worker
// process to be waited for.
func (p *pool) join() {
	p.wg.Wait()
	// Tasks are left in the queue only when no worker process could be
	// started; they are reported, not dropped.
	why := errors.New("no worker process could be started to run it")
	if p.ctx.Err() != nil {
		why = interrupted(p.ctx)
	}
	for j := range p.queue {
		p.rep.notRun(j.Task, why)
	}
}

// feedWorker starts one worker process and hands it tasks from queue until the
// queue is empty, then tells it to exit and waits for it.
//
// A worker process that dies while running a task takes only that task down:
// the task is reported failed with the process's exit status, and a fresh
// process takes the next task, as Python's Pool replaces a worker that exits.
// A process that cannot be started ends this feeder; the others go on.
func feedWorker(ctx context.Context, queue <-chan job, rep *report) {
	w, err := startWorker(ctx, workerRole, rep)
	if err != nil {
		if ctx.Err() == nil { // else the tasks say they were interrupted
			rep.workerFailed(err)
		}
		return
	}
	for j := range queue {
		if ctx.Err() != nil {
			rep.notRun(j.Task, interrupted(ctx))
			continue
		}
		if w == nil {
			if w, err = startWorker(ctx, workerRole, rep); err != nil {
				rep.notRun(j.Task, err)
				return
			}
		}
		if !w.run(j, rep) {
			w = nil // it has been waited for; a new one takes the next task
		}
	}
	if w != nil {
		w.stop(rep)
	}
}

// worker is the parent's side of one worker process.
type worker struct {
	ctx context.Context
	cmd *exec.Cmd
	pid int
	in  io.Closer
	enc *json.Encoder
	dec *json.Decoder
}

// startWorker starts a worker process in the child role given, which is
// workerRole except in tests. Cancelling ctx kills it.
func startWorker(ctx context.Context, role string, rep *report) (*worker, error) {
	cmd, err := child.Command(ctx, role)
	if err != nil {
		return nil, fmt.Errorf("start a worker process: %w", err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start a worker process: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("start a worker process: %w", err)
	}
	// The worker's stderr is ours: if it ever has to say something, the user
	// sees it.
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a worker process: %w", err)
	}
	rep.spawnedWorker()
	dec := json.NewDecoder(out)
	dec.DisallowUnknownFields()
	return &worker{ctx: ctx, cmd: cmd, pid: cmd.Process.Pid, in: in, enc: json.NewEncoder(in), dec: dec}, nil
}

// run hands the worker process job j and reports the task's start and end as
// the worker answers. It returns false when the worker process is gone: then
// the task has been reported failed, with what became of the process, and the
// process has been waited for.
func (w *worker) run(j job, rep *report) bool {
	if err := w.enc.Encode(j); err != nil {
		return w.lost(j, fmt.Errorf("send the task: %w", err), rep)
	}
	start, err := w.receive(j.Task, true)
	if err != nil {
		return w.lost(j, err, rep)
	}
	rep.started(j.Task, w.pid, start.At)
	end, err := w.receive(j.Task, false)
	if err != nil {
		return w.lost(j, err, rep)
	}
	var taskErr error
	if end.Error != "" {
		taskErr = errors.New(end.Error)
	}
	rep.ended(j.Task, w.pid, end.At, end.Elapsed, taskErr)
	return true
}

// receive reads the worker's next answer and checks that it is the one
// expected: about this task, from this process, of this kind.
func (w *worker) receive(task int, started bool) (reply, error) {
	var r reply
	if err := w.dec.Decode(&r); err != nil {
		return r, fmt.Errorf("read its answer: %w", err)
	}
	if r.Task != task || r.PID != w.pid || r.Started != started {
		return r, fmt.Errorf("its answer was for task %d, PID %d, started=%t; want task %d, PID %d, started=%t",
			r.Task, r.PID, r.Started, task, w.pid, started)
	}
	return r, nil
}

// lost deals with a worker process that failed while holding job j: it kills
// the process if it still runs (it may only have sent nonsense), waits for it,
// and reports the task failed with the process's exit status.
func (w *worker) lost(j job, cause error, rep *report) bool {
	// Killing a process that has already exited does nothing; Wait then
	// returns the status it exited with.
	_ = w.cmd.Process.Kill()
	status := w.cmd.Wait()
	var err error
	switch {
	case w.ctx.Err() != nil:
		err = interrupted(w.ctx)
	case diedUnderUs(cause):
		rep.lostWorker()
		err = fmt.Errorf("worker process %d died while running it: %s", w.pid, exitStatus(status))
	default:
		rep.lostWorker()
		err = fmt.Errorf("worker process %d broke the protocol (%v), so it was stopped: %s", w.pid, cause, exitStatus(status))
	}
	rep.ended(j.Task, w.pid, time.Now(), 0, err)
	return false
}

// stop tells the worker process that no task is coming, by closing its stdin,
// and waits for it to exit. Any status but 0 is reported, except after ctx
// ended, which killed it on purpose.
func (w *worker) stop(rep *report) {
	_ = w.in.Close()
	if err := w.cmd.Wait(); err != nil && w.ctx.Err() == nil {
		rep.workerFailed(fmt.Errorf("worker process %d ended badly: %w", w.pid, err))
	}
}

// diedUnderUs says whether err is what reading from or writing to a process
// that has exited gives: end of file, or a broken pipe.
func diedUnderUs(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

// exitStatus describes what Wait returned: "exit status 3", "signal: killed",
// or "exit status 0".
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
