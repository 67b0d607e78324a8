// Command 03-pool ports the Pool example of the tutorial's 多进程
// (multiprocessing) section: a pool of four workers runs five tasks that each
// sleep a random time, so the fifth task has to wait until one of the first
// four is done. See https://liaoxuefeng.com/books/python/process-thread/process/index.html
//
// Run it from the module root with
//
//	go run ./03-pool                    # one goroutine per task, at most 4 at once
//	go run ./03-pool -mode process      # a pool of 4 long-lived worker processes fed over pipes
//	go run ./03-pool -workers 2 -tasks 6 -fail 1 -panic 3
//	go run ./03-pool -mode process -crash 2
//
// and -h lists every flag.
package main

import (
	"context"
	"io"
	"os"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve()
	// Ctrl-C cancels ctx: the pool then starts no new task and stops the running
	// ones, and every task still reports how it ended.
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run parses args, runs the pool, prints the tutorial's lines and then the Go
// notes to stdout, and returns an error naming every task that failed.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	cfg, err := parseConfig(stdout, args)
	if err != nil {
		return err
	}
	return runPool(ctx, stdout, cfg)
}

// runPool runs the tasks cfg describes in the mode it names.
func runPool(ctx context.Context, stdout io.Writer, cfg config) error {
	rep := newReport(stdout, cfg)
	rep.begin()
	jobs := cfg.jobs()
	switch cfg.mode {
	case modeProcess:
		runProcesses(ctx, cfg.workers, jobs, rep)
	default:
		runGoroutines(ctx, cfg.workers, jobs, rep)
	}
	return rep.end()
}
