package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"multitask/09-distributed/taskq"
	"multitask/internal/child"
	"multitask/internal/cli"
)

// The demo starts its workers as child processes of its own binary: the
// child role "worker" is the worker command, run with the given arguments.
func init() {
	child.Register("worker", func(args []string) error {
		ctx, stop := cli.NotifyContext(context.Background())
		defer stop()
		return runWorker(ctx, os.Stdout, args)
	})
}

// workerConfig is what a worker's flags say.
type workerConfig struct {
	addr      string
	pace      time.Duration
	idle      time.Duration
	transport string
	key       []byte
}

func parseWorker(stdout io.Writer, args []string) (workerConfig, error) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c workerConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5000", "the master's address")
	fs.DurationVar(&c.pace, "sleep", time.Second, fmt.Sprintf("how long each task takes (the tutorial sleeps 1s; at most %v)", maxDuration))
	fs.DurationVar(&c.idle, "idle", time.Second, fmt.Sprintf("stop when the task queue stays empty this long (at most %v)", maxDuration))
	shared := addSharedFlags(fs, true)
	var err error
	c.transport, c.key, err = shared.parse(fs, args, func() []error {
		return []error{
			notEmpty("addr", c.addr, "give the master's host:port, e.g. 127.0.0.1:5000"),
			cli.NonNegative("sleep", c.pace),
			cli.DurationAtMost("sleep", c.pace, maxDuration),
			cli.PositiveDuration("idle", c.idle),
			cli.DurationAtMost("idle", c.idle, maxDuration),
		}
	})
	return c, err
}

// runWorker is task_worker.py: connect, then take tasks until there are no
// more.
func runWorker(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseWorker(stdout, args)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Connect to server %s...\n", c.addr)
	q, err := transports[c.transport].dial(ctx, c.addr, c.key)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", c.addr, err)
	}
	return work(ctx, stdout, q, c.pace, c.idle)
}

// work is the loop of task_worker.py, against any taskq.Worker: take a task,
// square its number, take pace doing it, put the result. It ends well when
// the queue stays empty for idle (an ordinary outcome, not an exception) or
// the master has closed the queues, and then says "worker exit.". Anything
// else is returned, a master that crashed or vanished too, so that the
// worker exits 1 and whoever supervises it can tell that from a clean end;
// the tasks this worker held go back to the queue either way.
func work(ctx context.Context, out io.Writer, q taskq.Worker, pace, idle time.Duration) (err error) {
	defer func() {
		if cerr := q.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			fmt.Fprintln(out, "worker exit.")
		}
	}()
	for {
		t, ok, err := q.GetTask(ctx, idle)
		if errors.Is(err, taskq.ErrClosed) {
			fmt.Fprintf(out, "-- %v.\n", err)
			return nil
		}
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(out, "task queue is empty.")
			return nil
		}
		fmt.Fprintf(out, "run task %d * %d...\n", t.N, t.N)
		r := taskq.Result{TaskID: t.ID, Text: fmt.Sprintf("%d * %d = %d", t.N, t.N, t.N*t.N)}
		if err := pause(ctx, pace); err != nil {
			return fmt.Errorf("stopped during task %d * %d (the master puts it back): %w", t.N, t.N, err)
		}
		err = q.PutResult(ctx, r)
		if errors.Is(err, taskq.ErrClosed) {
			fmt.Fprintf(out, "-- %v.\n", err)
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// pause waits d, or until ctx ends.
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
