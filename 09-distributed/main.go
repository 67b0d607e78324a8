// Command 09-distributed ports the 分布式进程 (distributed processes) section
// of Liao Xuefeng's Python tutorial
// (https://liaoxuefeng.com/books/python/process-thread/process-manager/index.html):
// task_master.py keeps a task queue and a result queue and serves them on
// the network; task_worker.py, on this or another machine, takes numbers
// from the one and puts their squares into the other.
//
// The tutorial's two scripts are master.go (runMaster, putAndCollect) and
// worker.go (runWorker, work), each written against the two small
// interfaces of package taskq, whose hub keeps the queues' rules: leases,
// task IDs, each result once. A transport carries them between master and
// workers (transport.go); the default, package rpcq, is net/rpc behind an
// authenticated handshake. The demo (demo.go) runs the master here and the
// workers as processes of this same binary.
//
//	go run ./09-distributed                       # the demo: the master and two worker processes
//	go run ./09-distributed -compare              # beside task_master.py and task_worker.py
//	AUTHKEY=secret go run ./09-distributed master # or the two sides, in two terminals
//	AUTHKEY=secret go run ./09-distributed worker
//
// and -h on each for its flags.
package main

import (
	"context"
	"io"
	"os"
	"strings"

	"multitask/internal/child"
	"multitask/internal/cli"
)

// main is run under Ctrl-C. The first Ctrl-C (or SIGTERM) cancels ctx: a
// worker stops (the master puts its task back), a master stops waiting, the
// demo stops its workers, and all shut their connections down. A second one
// ends the program at once, with status 130, should that clean stop take
// too long.
func main() {
	child.Serve() // the demo's worker processes start here (demo.go)
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
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
