package main

import (
	"context"
	"os"

	"golang.org/x/sync/errgroup"
)

// runGoroutines is -mode goroutine, the Go idiom for the tutorial's pool. It
// keeps no workers at all: each task gets a goroutine of its own, which costs
// a few kilobytes, and errgroup's limit keeps at most -workers of them
// running. Group.Go blocks while that many tasks run, so the task after the
// first ones starts only when one of them is done: the tutorial's "task 4
// waits for a free worker".
//
// A plain errgroup.Group (not WithContext) is used on purpose: one failed task
// must not cancel the others, so each task's error is recorded under its
// number in rep, and the goroutines return nil.
//
// Every goroutine runs in this one process, so the PID each line shows is the
// same; Go gives a goroutine no ID to print instead, on purpose. That hides
// the reuse of workers the tutorial shows, which is why it is not the default.
func runGoroutines(ctx context.Context, cfg config, rep *report) error {
	pid := os.Getpid()
	rep.printf("Parent process %d.\n", pid)
	// Group.Go below waits for a free place, so this line, which Python
	// prints after its apply_async calls, comes before them here.
	rep.printf("Waiting for all subprocesses done...\n")
	var g errgroup.Group
	g.SetLimit(cfg.workers)
	for _, j := range cfg.jobs() {
		g.Go(func() error {
			// A task that got its place only after Ctrl-C does not start.
			if ctx.Err() != nil {
				rep.notRun(j.Task, interrupted(ctx))
				return nil
			}
			// The report takes the task's lines and never fails.
			_ = longTimeTask(ctx, j, pid, rep)
			return nil
		})
	}
	// Wait is the pool's close() and join() in one call.
	_ = g.Wait()
	rep.printf("All subprocesses done.\n")
	return rep.finish()
}
