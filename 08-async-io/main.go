// Lesson 08-async-io ports 进程 vs. 线程 (too many tasks, the cost of
// switching, CPU-bound vs IO-bound work, the event-driven IO of Nginx) and the
// producer/consumer coroutine of the 异步IO chapter of Liao Xuefeng's Python
// tutorial:
// https://liaoxuefeng.com/books/python/process-thread/process-vs-thread/index.html
// https://liaoxuefeng.com/books/python/async-io/coroutine/index.html
//
// Run it with
//
//	go run ./08-async-io                        # 1,000 connections at once
//	go run ./08-async-io -conns 10000           # ten thousand, on two cores
//	go run ./08-async-io -sequential -conns 20  # the same requests one by one
//
// It prints the tutorial's [PRODUCER]/[CONSUMER] lines first, then what Go
// adds: a server with a goroutine per connection and a server with a
// hand-written epoll loop side by side under the same load, and tables of
// CPU-bound and IO-bound tasks under GOMAXPROCS=1 and all CPUs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"text/tabwriter"
	"time"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve() // the client process (see client.go) starts here
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// options are the lesson's flags.
type options struct {
	conns      int
	delay      time.Duration
	sequential bool
	idle       time.Duration
	tasks      int
	cpuTask    time.Duration
	ioWait     time.Duration
}

const (
	// descriptorMargin is what a process needs besides its connections:
	// stdin, stdout, stderr, the listener, the runtime's own epoll instance,
	// pipes to the client process, and some to spare.
	descriptorMargin = 64
	// clientSlack bounds a client's wait beyond the server's delay, so that a
	// stuck server fails the run rather than hanging it.
	clientSlack = 30 * time.Second
)

// coroutineItems are what the tutorial's producer makes.
var coroutineItems = []int{1, 2, 3, 4, 5}

func parseFlags(args []string, stdout io.Writer) (options, error) {
	fs := flag.NewFlagSet("08-async-io", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	fs.IntVar(&o.conns, "conns", 1000, "connections the client opens at once (each sends one request)")
	fs.DurationVar(&o.delay, "delay", 100*time.Millisecond, "how long the server waits before each reply: the slow IO")
	fs.BoolVar(&o.sequential, "sequential", false, "send the requests one after another instead of all at once")
	fs.DurationVar(&o.idle, "idle", 5*time.Second, "the servers drop a connection that sends no complete request for this long")
	fs.IntVar(&o.tasks, "tasks", 8, "tasks in the CPU-bound and IO-bound tables")
	fs.DurationVar(&o.cpuTask, "cpu-task", 10*time.Millisecond, "computation per CPU-bound task")
	fs.DurationVar(&o.ioWait, "io-wait", 20*time.Millisecond, "wait per IO-bound task")
	if err := cli.Parse(fs, args); err != nil {
		return options{}, err
	}
	return o, errors.Join(
		cli.Positive("conns", o.conns),
		cli.NonNegative("delay", o.delay),
		cli.PositiveDuration("idle", o.idle),
		cli.Positive("tasks", o.tasks),
		cli.PositiveDuration("cpu-task", o.cpuTask),
		cli.PositiveDuration("io-wait", o.ioWait),
	)
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return firstError(err)
	}
	// Check the descriptors before anything runs, so that a shortfall is one
	// line up front and not a failure half-way.
	if err := raiseFileLimit("-conns", opts.conns, opts.conns+descriptorMargin); err != nil {
		return err
	}
	if err := raiseFileLimit("-tasks", opts.tasks, 2*opts.tasks+descriptorMargin); err != nil {
		return err
	}

	// The tutorial's lines first, from the closest Go has to a generator.
	produceWithPull(stdout, coroutineItems)
	fmt.Fprintln(stdout, "\n--- Go: the same hand-off between two goroutines over unbuffered channels ---")
	produceOverChannel(stdout, coroutineItems)

	if err := serversSideBySide(ctx, stdout, opts); err != nil {
		return err
	}
	return cpuVersusIO(ctx, stdout, opts)
}

// firstError keeps the first of the joined validation errors: one line for
// the user, naming one problem.
func firstError(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()[0]
	}
	return err
}

// serverRun is one row of the side-by-side table.
type serverRun struct {
	name       string
	result     clientResult
	goroutines int
	threads    int
	skipped    error
}

// serversSideBySide runs the same client against each server in turn and
// prints one row per server.
func serversSideBySide(ctx context.Context, w io.Writer, opts options) error {
	how := "at once"
	if opts.sequential {
		how = "one after another"
	}
	fmt.Fprintf(w, "\n--- Go: %d connections %s, each request waits %v (the slow IO) ---\n", opts.conns, how, opts.delay)
	if opts.sequential {
		fmt.Fprintf(w, "this takes at least %d × %v = %v per server\n", opts.conns, opts.delay, time.Duration(opts.conns)*opts.delay)
	}
	atRest := runtime.NumGoroutine()
	var rows []serverRun
	var clientPID int
	for _, kind := range serverKinds {
		row, pid, err := measureServer(ctx, kind, opts)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		clientPID = max(clientPID, pid)
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tconnect\trequests\twall\tpeak goroutines\tpeak OS threads")
	for _, r := range rows {
		if r.skipped != nil {
			fmt.Fprintf(tw, "%s\tskipped: %v\n", r.name, r.skipped)
			continue
		}
		connect := "-"
		if !opts.sequential {
			connect = roundDuration(r.result.Connect).String()
		}
		requests := fmt.Sprintf("%d ok", r.result.OK)
		if r.result.Failed > 0 {
			requests += fmt.Sprintf(", %d failed", r.result.Failed)
		}
		threads := "n/a"
		if r.threads >= 0 {
			threads = fmt.Sprint(r.threads)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%s\n", r.name, connect, requests, roundDuration(r.result.Wall), r.goroutines, threads)
	}
	tw.Flush()
	fmt.Fprintf(w, "the client ran as a separate process (pid %d), so the peaks count the server side alone; %d goroutines exist at rest\n", clientPID, atRest)
	if !opts.sequential {
		fmt.Fprintf(w, "one after another these requests would take at least %v (try -sequential with fewer -conns)\n", time.Duration(opts.conns)*opts.delay)
	}

	for _, r := range rows {
		if r.result.Failed == 0 {
			continue
		}
		err := fmt.Errorf("%s server: %d of %d requests failed; the first: %s", r.name, r.result.Failed, opts.conns, r.result.FirstError)
		if r.result.Connect > opts.idle {
			err = fmt.Errorf("%w (opening the connections took %v, longer than -idle %v: the server dropped the first ones as idle)",
				err, roundDuration(r.result.Connect), opts.idle)
		}
		return err
	}
	return nil
}

// measureServer starts one server, runs the client process against it while
// sampling this process's goroutines and threads, and closes the server.
func measureServer(ctx context.Context, kind serverKind, opts options) (serverRun, int, error) {
	row := serverRun{name: kind.name}
	srv, err := kind.start(serverConfig{delay: opts.delay, idle: opts.idle})
	if errors.Is(err, errNoEpoll) {
		row.skipped = err
		return row, 0, nil
	}
	if err != nil {
		return row, 0, err
	}
	peaks := startPeakSampler()
	res, pid, err := runClientProcess(ctx, clientConfig{
		addr:       srv.Addr(),
		conns:      opts.conns,
		sequential: opts.sequential,
		timeout:    opts.delay + clientSlack,
	})
	row.goroutines, row.threads = peaks.Stop()
	row.result = res
	if cerr := srv.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s server: %w", kind.name, cerr)
	}
	return row, pid, err
}

// roundDuration keeps three or so significant digits, enough to read.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(100 * time.Microsecond)
	}
}
