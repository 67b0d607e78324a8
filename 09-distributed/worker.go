package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"multitask/09-distributed/taskq"
)

// runWorker is task_worker.py: connect to the master, then take tasks, square
// their numbers and hand in the results until there are no more. Its flags
// (flags.go) are the tutorial's address, key and sleep, and -idle, the
// tutorial's get(timeout=1).
func runWorker(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseWorker(stdout, args)
	if err != nil {
		return err
	}
	server := c.server()                                     // server_addr = '127.0.0.1': -addr, or -nats URL
	fmt.Fprintf(stdout, "Connect to server %s...\n", server) // print('Connect to server %s...' % server_addr)
	// m = QueueManager(address=(server_addr, 5000), authkey=b'abc'), m.connect(),
	// task = m.get_task_queue(), result = m.get_result_queue(): q is both, a
	// taskq.Worker.
	q, err := c.transport.dial(ctx, dialOptions{addr: c.addr, key: c.key, flags: c.flags})
	if err != nil {
		return fmt.Errorf("connect to %s: %w", server, err)
	}
	return work(ctx, stdout, c.notes(stdout, noteWidth), q, c.pace, c.idle)
}

// work is the loop of task_worker.py, against any taskq.Worker: take a task,
// square its number, take pace doing it, put the result. The tutorial's
// worker tries ten times; this one goes on until the queue stays empty for
// idle (an ordinary outcome, not an exception) or the master has closed the
// queues, and then says "worker exit.", so that any number of workers share
// any number of tasks. Anything else is returned, a master that crashed or
// vanished too, so that the worker exits 1 and whoever supervises it can
// tell that from a clean end; the tasks this worker held go back to the
// queue either way.
func work(ctx context.Context, out io.Writer, note notef, q taskq.Worker, pace, idle time.Duration) (err error) {
	defer func() {
		if cerr := q.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			fmt.Fprintln(out, "worker exit.") // print('worker exit.')
		}
	}()
	for {
		t, ok, err := q.GetTask(ctx, idle) // n = task.get(timeout=1)
		if errors.Is(err, taskq.ErrClosed) {
			note("%v.", err)
			return nil
		}
		if err != nil {
			return err
		}
		if !ok { // except queue.Empty:
			fmt.Fprintln(out, "task queue is empty.")
			return nil
		}
		// print('run task %d * %d...' % (n, n)), r = '%d * %d = %d' % (n, n, n*n),
		// time.sleep(1), result.put(r); the result names its task.
		fmt.Fprintf(out, "run task %d * %d...\n", t.N, t.N)
		r := taskq.Result{TaskID: t.ID, Text: fmt.Sprintf("%d * %d = %d", t.N, t.N, t.N*t.N)}
		if err := pause(ctx, pace); err != nil {
			return fmt.Errorf("stopped during task %d * %d (the master puts it back): %w", t.N, t.N, err)
		}
		err = q.PutResult(ctx, r)
		if errors.Is(err, taskq.ErrClosed) {
			note("%v.", err)
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// pause waits d, or until ctx ends: a sleep that Ctrl-C can cut short.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
