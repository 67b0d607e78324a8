package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"multitask/08-async-io/eventloop"
	"multitask/internal/cli"
)

// options are the lesson's flags.
type options struct {
	tutorialOnly bool
	compare      bool
	conns        int
	delay        time.Duration
	sequential   bool
	idle         time.Duration
	tasks        int
	cpuTask      time.Duration
	ioWait       time.Duration
}

// The upper bounds of the flags, chosen so that a 2-core machine survives
// any value they let through, and every run ends within minutes.
const (
	// maxConns keeps the client's connections to one server within the
	// loopback's ephemeral ports (28,232 by default on Linux: 32768 to
	// 60999); each process also needs a descriptor per connection, which
	// the descriptor limit may bound lower (ReserveDescriptors says so).
	// Ten thousand goroutine connections hold about 45 MB.
	maxConns = 25_000
	// maxDelay and maxIOWait bound a server's wait before a reply; the
	// client waits a delay and 30 s more for each.
	maxDelay  = time.Minute
	maxIOWait = time.Minute
	// maxIdle bounds the servers' idle timeout, well inside the epoll
	// loop's deadline arithmetic.
	maxIdle = time.Hour
	// maxTasks bounds the study's tasks: at most that many goroutines, and
	// twice as many descriptors (client and server of each IO-bound task).
	maxTasks = 1_000
	// maxCPUTask bounds one CPU-bound task, which a first Ctrl-C lets end.
	maxCPUTask = time.Second
	// maxRun bounds what one part of the notes must take at least: the
	// requests one after another (-sequential), or the whole study.
	maxRun = 5 * time.Minute
)

// notesFlags are the flags that change only the Go notes.
var notesFlags = []string{"conns", "delay", "sequential", "idle", "tasks", "cpu-task", "io-wait"}

func parseFlags(args []string, stdout io.Writer) (options, error) {
	fs := flag.NewFlagSet("08-async-io", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	fs.BoolVar(&o.tutorialOnly, "tutorial-only", false, "print the tutorial's lines and nothing else")
	fs.BoolVar(&o.compare, "compare", false, "show the -tutorial-only run beside the Python twin's (python3 coroutine.py)")
	fs.IntVar(&o.conns, "conns", 1000, fmt.Sprintf("connections the client opens at once, each sending one request (1 to %d)", maxConns))
	fs.DurationVar(&o.delay, "delay", 100*time.Millisecond, fmt.Sprintf("how long the server waits before each reply: the slow IO (0 to %v)", maxDelay))
	fs.BoolVar(&o.sequential, "sequential", false, fmt.Sprintf("send the requests one after another instead of all at once (-conns × -delay at most %v)", maxRun))
	fs.DurationVar(&o.idle, "idle", 5*time.Second, fmt.Sprintf("the servers drop a connection that sends no complete request for this long (up to %v)", maxIdle))
	fs.IntVar(&o.tasks, "tasks", 8, fmt.Sprintf("tasks in the CPU-bound and IO-bound tables (1 to %d; the study may take at most %v)", maxTasks, maxRun))
	fs.DurationVar(&o.cpuTask, "cpu-task", 10*time.Millisecond, fmt.Sprintf("computation per CPU-bound task (up to %v)", maxCPUTask))
	fs.DurationVar(&o.ioWait, "io-wait", 20*time.Millisecond, fmt.Sprintf("wait per IO-bound task (up to %v)", maxIOWait))
	if err := cli.Parse(fs, args); err != nil {
		return options{}, err
	}
	if o.compare {
		if name := firstSet(fs, notesFlags); name != "" {
			return options{}, cli.Usagef("-compare shows only the tutorial's lines, which -%s does not change: drop -%s", name, name)
		}
	}
	err := errors.Join(
		cli.Positive("conns", o.conns),
		cli.AtMost("conns", o.conns, maxConns),
		cli.NonNegative("delay", o.delay),
		cli.DurationAtMost("delay", o.delay, maxDelay),
		cli.PositiveDuration("idle", o.idle),
		cli.DurationAtMost("idle", o.idle, maxIdle),
		cli.Positive("tasks", o.tasks),
		cli.AtMost("tasks", o.tasks, maxTasks),
		cli.PositiveDuration("cpu-task", o.cpuTask),
		cli.DurationAtMost("cpu-task", o.cpuTask, maxCPUTask),
		cli.PositiveDuration("io-wait", o.ioWait),
		cli.DurationAtMost("io-wait", o.ioWait, maxIOWait),
	)
	if err != nil {
		return options{}, firstError(err)
	}
	// Each value is within its bound now, so these products cannot
	// overflow.
	if d := time.Duration(o.conns) * o.delay; o.sequential && d > maxRun {
		return options{}, cli.Usagef("-sequential with -conns %d and -delay %v takes at least %v per server, more than %v: ask for fewer or shorter",
			o.conns, o.delay, d, maxRun)
	}
	if d := o.study().AtLeast(); d > maxRun {
		return options{}, cli.Usagef("-tasks %d with -cpu-task %v and -io-wait %v makes a study of at least %v, more than %v: ask for fewer or shorter",
			o.tasks, o.cpuTask, o.ioWait, d.Round(time.Second), maxRun)
	}
	return o, nil
}

// firstSet returns the first of names that was set on the command line, or
// "" when none was.
func firstSet(fs *flag.FlagSet, names []string) string {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range names {
		if set[name] {
			return name
		}
	}
	return ""
}

// firstError keeps the first of the joined validation errors: one line for
// the user, naming one problem.
func firstError(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()[0]
	}
	return err
}

// servers and study are the flags as the eventloop package takes them.
func (o options) servers() eventloop.Servers {
	return eventloop.Servers{Conns: o.conns, Delay: o.delay, Sequential: o.sequential, Idle: o.idle}
}

func (o options) study() eventloop.Study {
	return eventloop.Study{Tasks: o.tasks, CPUTask: o.cpuTask, IOWait: o.ioWait, Idle: o.idle}
}
