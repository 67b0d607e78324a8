// Command 09-distributed ports the tutorial's 分布式进程 (distributed
// processes) section: task_master.py keeps a task queue and a result queue
// and serves them on the network; task_worker.py, on this or another
// machine, takes numbers from the one and puts their squares into the other.
// See https://liaoxuefeng.com/books/python/process-thread/process-manager/index.html
//
// Run it from the module root with
//
//	go run ./09-distributed                       # a demo: the master and two worker processes
//	AUTHKEY=secret go run ./09-distributed master # then, in other terminals:
//	AUTHKEY=secret go run ./09-distributed worker
//
// and -h on each for its flags. The master and worker logic (master.go,
// worker.go) is written against two small interfaces of package taskq; the
// queues themselves live in the master's taskq.Hub, and package rpcq carries
// them over net/rpc behind the authenticated handshake of package wire.
// Package guard keeps the connections that have not proved the key in
// check: floods, and guessing.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve()
	cli.Exit(runInterruptible(os.Args[1:]))
}

// runInterruptible is run under Ctrl-C. The first Ctrl-C (or SIGTERM)
// cancels ctx: a worker stops (the master puts its task back), a master
// stops waiting, the demo stops its workers, and all shut their connections
// down. A second one ends the program at once, with status 130, should that
// clean stop take too long.
func runInterruptible(args []string) error {
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	return run(ctx, os.Stdout, args)
}

// run picks the master, a worker or the demo by the first argument.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "master":
			return runMaster(ctx, stdout, args[1:])
		case "worker":
			return runWorker(ctx, stdout, args[1:])
		default:
			return cli.Usagef("unknown command %q: want master, worker, or none for the demo", args[0])
		}
	}
	return runDemo(ctx, stdout, args)
}

// goNotes opens the part of the output that is about Go, not the tutorial.
const goNotes = "--- Go notes ---"

// noteLine marks a Go-specific line printed while the tutorial's lines are
// still going, such as a worker connecting or a task being put back.
func noteLine(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(w, "-- "+format+"\n", args...)
	}
}
