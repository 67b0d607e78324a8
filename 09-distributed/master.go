package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"multitask/09-distributed/taskq"
)

// runMaster is task_master.py: open the two queues and serve them, put the
// tasks, print the results as they come, shut down. Its flags (flags.go)
// are the tutorial's port and key, and the Go additions: -lease, -timeout,
// -transport.
func runMaster(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseMaster(stdout, args)
	if err != nil {
		return err
	}
	out := newLineMux(stdout).writer("") // the master's lines and the server's notes, each whole
	note := c.notes(out, noteWidth)

	// QueueManager.register('get_task_queue', ...), register('get_result_queue', ...),
	// manager = QueueManager(address=('', 5000), authkey=b'abc'), manager.start():
	// the transport opens the task and the result queue (for rpc, a taskq.Hub
	// in this process) and serves them on c.addr to workers that know the key.
	q, err := c.transport.open(ctx, openOptions{addr: c.addr, key: c.key, lease: c.lease, handshake: c.handshake, logf: note, flags: c.flags})
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	announce(note, c, q)

	// task = manager.get_task_queue(), result = manager.get_result_queue():
	// q is both, a taskq.Master.
	err = putAndCollect(ctx, out, q, c.tasks, c.timeout)
	// manager.shutdown(): close the queues, so that waiting workers are told
	// the work is over, then the listener and every connection.
	if cerr := q.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err // no result within -timeout, Ctrl-C: one line, exit status 1
	}
	fmt.Fprintln(out, "master exit.")
	if !c.tutorialOnly {
		fmt.Fprintln(out, goNotes)
		for _, line := range q.Summary() {
			printNote(out, "%s", line)
		}
	}
	return nil
}

// putAndCollect is the body of task_master.py, against any taskq.Master: put
// n tasks, then print one result per task. Each wait for a result ends after
// timeout; that is the end of the run, reported as an error naming what is
// missing (master_faults.go), not a crash.
func putAndCollect(ctx context.Context, out io.Writer, q taskq.Master, n int, timeout time.Duration) error {
	// The tasks still waiting for their result: none yet, unless these are
	// a broker's queues in which an earlier master left a run (transport.go).
	open, earlier := resumed(q)
	for i := range n { // for i in range(10):
		t := taskq.Task{ID: uint64(i + 1), N: rand.IntN(10001)} //   n = random.randint(0, 10000)
		if earlier[t.ID] {
			continue // put by the earlier master
		}
		fmt.Fprintf(out, "Put task %d...\n", t.N) //   print('Put task %d...' % n)
		if err := q.PutTask(ctx, t); err != nil { //   task.put(n)
			return fmt.Errorf("put task %d: %w", t.ID, err)
		}
		open[t.ID] = t
	}
	fmt.Fprintln(out, "Try get results...")
	for len(open) > 0 { // for i in range(10):
		r, ok, err := q.GetResult(ctx, timeout) //   r = result.get(timeout=10)
		if err != nil {
			return fmt.Errorf("get results: %w", err)
		}
		if !ok {
			return &missingResults{timeout: timeout, total: n, open: open}
		}
		if _, waiting := open[r.TaskID]; !waiting {
			// The hub drops duplicates and unknown tasks already; checking here
			// too keeps "each result once" true whatever the transport does.
			continue
		}
		delete(open, r.TaskID)
		fmt.Fprintf(out, "Result: %s\n", printable(r.Text)) //   print('Result: %s' % r)
	}
	return nil
}
