package main

import (
	"context"
	"os"
	"time"

	"golang.org/x/sync/errgroup"
)

// runGoroutines is the Go idiom for the tutorial's pool. It keeps no workers
// at all: each task gets a goroutine of its own, which costs a few kilobytes,
// and errgroup's limit keeps at most n of them running. Group.Go blocks while
// n tasks run, so the task after the first n starts only when one of them is
// done: the tutorial's "task 4 waits for a free worker".
//
// A plain errgroup.Group (not WithContext) is used on purpose: one failed task
// must not cancel the others, so each task's error is recorded under its
// number in rep, and the goroutines return nil.
//
// Every goroutine runs in this one process, so the PID each line shows is the
// same; Go gives a goroutine no ID to print instead, on purpose.
func runGoroutines(ctx context.Context, n int, jobs []job, rep *report) {
	pid := os.Getpid()
	var g errgroup.Group
	g.SetLimit(n)
	for _, j := range jobs {
		g.Go(func() error {
			// A task that got its place only after Ctrl-C does not start.
			if ctx.Err() != nil {
				rep.notRun(j.Task, interrupted(ctx))
				return nil
			}
			start := time.Now()
			rep.started(j.Task, pid, start)
			err := perform(ctx, j)
			rep.ended(j.Task, pid, time.Now(), time.Since(start), err)
			return nil
		})
	}
	// Wait is the pool's close() and join() in one call.
	_ = g.Wait()
}
