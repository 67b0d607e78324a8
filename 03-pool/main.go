// Command 03-pool ports the Pool example of the tutorial's 多进程
// (multiprocessing) section: a pool of four worker processes runs five tasks
// that each sleep a random time, so the fifth task waits until one of the
// first four is done, and then runs in a process that already ran a task.
// See https://liaoxuefeng.com/books/python/process-thread/process/index.html
//
// This file is the tutorial's program: the parent's side of the pool, and the
// task. Run it from the module root with
//
//	go run ./03-pool                    # the tutorial's pool: 4 worker processes, 5 tasks
//	go run ./03-pool -mode goroutine    # the Go idiom: a goroutine per task, at most 4 at once
//	go run ./03-pool -compare           # beside the Python twin, pooled_processing.py
//	go run ./03-pool -workers 2 -tasks 6 -fail 1 -panic 3 -crash 4
//
// and -h lists every flag.
package main

import (
	"context"
	"io"
	"os"
	"time"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	// A worker process is this program re-run: child.Serve runs its role
	// (worker_process.go) and exits; in the parent it returns at once.
	child.Serve()
	// Ctrl-C cancels ctx: the pool then starts no new task and stops the running
	// ones, and every task still reports how it ended.
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run parses args (flags.go), runs the pool, prints the tutorial's lines and
// then the Go notes to stdout, and returns an error naming every task that
// failed.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	cfg, err := parseConfig(stdout, args)
	if err != nil {
		return err
	}
	if cfg.compare {
		return compare(ctx, stdout, cfg) // compare.go
	}
	return runPool(ctx, stdout, cfg)
}

// runPool is the tutorial's main block. Every line goes through rep
// (report.go), which prints it whole, since the pool's goroutines print too.
func runPool(ctx context.Context, stdout io.Writer, cfg config) error {
	rep := newReport(stdout, cfg)
	if cfg.mode == modeGoroutine {
		return runGoroutines(ctx, cfg, rep) // the Go idiom, in goroutines.go
	}
	rep.printf("Parent process %d.\n", os.Getpid())
	// Pool(4): start the worker processes, each this program re-run, and a
	// queue for the tasks (process_pool.go).
	p := newPool(ctx, cfg.workers, cfg.tasks, rep)
	// apply_async five times: queue each task and return at once. The parent
	// draws each task's sleep (flags.go), so a worker needs nothing else.
	for _, j := range cfg.jobs() {
		p.applyAsync(j)
	}
	// As in Python, the workers may already be running tasks, so a Run line
	// can (rarely) come before this one.
	rep.printf("Waiting for all subprocesses done...\n")
	p.close() // no more tasks
	p.join()  // wait until every task has ended and every worker has exited
	rep.printf("All subprocesses done.\n")
	return rep.finish() // the Go notes (notes.go) and the exit status
}

// longTimeTask is the tutorial's task: say it started, sleep, say how long it
// ran. A worker process runs it (worker_process.go), and its lines travel to
// the parent, which prints them; -mode goroutine runs it in a goroutine. It
// returns an error only when a line could not be delivered: the task's own
// failure is part of its end line.
func longTimeTask(ctx context.Context, j job, pid int, lines taskLines) error {
	start := time.Now()
	if err := lines.started(j.Task, pid, start); err != nil { // Run task %d (%d)...
		return err
	}
	err := sleep(ctx, j.Sleep) // time.sleep(random.random() * 3)
	if err == nil {
		err = j.Fault.strike(j.Task) // -fail and -panic (faults.go); none by default
	}
	return lines.ended(j.Task, pid, time.Now(), time.Since(start), err) // Task %d runs %0.2f seconds.
}
