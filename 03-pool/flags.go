package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"multitask/internal/cli"
)

const (
	modeGoroutine = "goroutine"
	modeProcess   = "process"

	// maxWorkerProcesses keeps a mistyped -workers from starting thousands of
	// processes; a pool wider than the machine's cores gains nothing anyway.
	maxWorkerProcesses = 64

	// maxWorkers and maxTasks bound goroutine mode. Each task prints two
	// lines and keeps a report entry, so ten thousand is already more than
	// a reader can follow; a number near the int limit would otherwise end
	// in "out of memory" with a runtime trace instead of a clear line.
	maxWorkers = 10_000
	maxTasks   = 10_000

	// defaultMaxSleep is the tutorial's random.random() * 3.
	defaultMaxSleep = 3 * time.Second

	// maxMaxSleep keeps a mistyped -max-sleep from hanging the lesson for
	// days.
	maxMaxSleep = time.Hour
)

// config is what the flags ask for.
type config struct {
	workers  int
	tasks    int
	maxSleep time.Duration
	mode     string
	faults   map[int]fault // planned faults by task number

	tutorialOnly bool // print the tutorial's lines only
	compare      bool // run beside the Python twin (compare.go)

	// observe, when set, sees every event the pool reports. Tests use it to
	// check timing that the printed lines only imply.
	observe func(event)
}

// parseConfig turns the command line into a config. Bad input becomes a
// one-line cli.UsageError; -h prints the flags to stdout.
func parseConfig(stdout io.Writer, args []string) (config, error) {
	fs := flag.NewFlagSet("03-pool", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfg := config{}
	fs.IntVar(&cfg.workers, "workers", 4, fmt.Sprintf("how many tasks may run at once: the tutorial's Pool(4)\n(Python's Pool() defaults to the CPU count); 1 to %d worker processes,\nor to %d with -mode goroutine", maxWorkerProcesses, maxWorkers))
	fs.IntVar(&cfg.tasks, "tasks", 5, fmt.Sprintf("how many tasks to run, 1 to %d; they are numbered from 0", maxTasks))
	fs.DurationVar(&cfg.maxSleep, "max-sleep", defaultMaxSleep, fmt.Sprintf("each task sleeps a random time from 0 up to this (at most %v)", maxMaxSleep))
	fs.StringVar(&cfg.mode, "mode", modeProcess, "process: -workers long-lived worker processes fed tasks over pipes, as the tutorial's Pool;\ngoroutine: the Go idiom, one goroutine per task,\nat most -workers at once")
	fs.BoolVar(&cfg.tutorialOnly, "tutorial-only", false, "print the tutorial's lines and nothing else: no Go notes")
	fs.BoolVar(&cfg.compare, "compare", false, "run the lesson with -tutorial-only and its Python twin, pooled_processing.py, with python3,\nand show both side by side (-mode goes to the Go run, -max-sleep to both)")
	var fails, panics, crashes taskList
	fs.Var(&fails, "fail", "task `numbers` (comma-separated) that return an error after their sleep")
	fs.Var(&panics, "panic", "task `numbers` that panic after their sleep")
	fs.Var(&crashes, "crash", "task `numbers` whose worker process dies (exit status 3) after their sleep; -mode process only")
	if err := cli.Parse(fs, args); err != nil {
		return config{}, err
	}
	if err := refuseWithCompare(fs, cfg.compare); err != nil {
		return config{}, err
	}

	if err := cli.Positive("workers", cfg.workers); err != nil {
		return config{}, err
	}
	if err := cli.AtMost("workers", cfg.workers, maxWorkers); err != nil {
		return config{}, err
	}
	if err := cli.Positive("tasks", cfg.tasks); err != nil {
		return config{}, err
	}
	if err := cli.AtMost("tasks", cfg.tasks, maxTasks); err != nil {
		return config{}, err
	}
	if err := cli.NonNegative("max-sleep", cfg.maxSleep); err != nil {
		return config{}, err
	}
	if err := cli.DurationAtMost("max-sleep", cfg.maxSleep, maxMaxSleep); err != nil {
		return config{}, err
	}
	switch cfg.mode {
	case modeGoroutine:
		if len(crashes) > 0 {
			return config{}, cli.Usagef("-crash needs -mode process: a goroutine cannot crash alone, it would end the whole program")
		}
	case modeProcess:
		if cfg.workers > maxWorkerProcesses {
			return config{}, cli.Usagef("-workers %d is too many worker processes: at most %d", cfg.workers, maxWorkerProcesses)
		}
	default:
		return config{}, cli.Usagef("-mode %q: want %s or %s", cfg.mode, modeGoroutine, modeProcess)
	}

	cfg.faults = map[int]fault{}
	for _, planned := range []struct {
		flag  string
		tasks taskList
		fault fault
	}{{"fail", fails, faultError}, {"panic", panics, faultPanic}, {"crash", crashes, faultCrash}} {
		for _, n := range planned.tasks {
			if n >= cfg.tasks {
				return config{}, cli.Usagef("-%s %d: there is no task %d (tasks are numbered 0 to %d)", planned.flag, n, n, cfg.tasks-1)
			}
			if had, dup := cfg.faults[n]; dup && had != planned.fault {
				return config{}, cli.Usagef("task %d is given two faults (%s and %s): give it one", n, had, planned.fault)
			}
			cfg.faults[n] = planned.fault
		}
	}
	return cfg, nil
}

// refuseWithCompare refuses, in one line, the flags that would make the Go run
// differ from the Python twin's: the twin is the tutorial's Pool(4) with five
// tasks that never fail. -mode and -max-sleep make sense on both sides.
func refuseWithCompare(fs *flag.FlagSet, compare bool) error {
	if !compare {
		return nil
	}
	var refused []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "workers", "tasks", "fail", "panic", "crash":
			refused = append(refused, "-"+f.Name)
		}
	})
	if len(refused) > 0 {
		return cli.Usagef("-compare runs the tutorial's Pool(4) with 5 tasks beside Python: drop %s", strings.Join(refused, " "))
	}
	return nil
}

// jobs draws each task's sleep, as the tutorial's random.random() * 3 does, and
// attaches the fault planned for it. The parent draws the sleeps so that both
// modes run the same kind of job and a worker process needs nothing else.
func (c config) jobs() []job {
	jobs := make([]job, c.tasks)
	for i := range jobs {
		var sleep time.Duration
		if c.maxSleep > 0 {
			sleep = rand.N(c.maxSleep)
		}
		jobs[i] = job{Task: i, Sleep: sleep, Fault: c.faults[i]}
	}
	return jobs
}

// taskList is a flag holding task numbers: "-fail 1,3" or "-fail 1 -fail 3".
type taskList []int

func (l *taskList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (l *taskList) Set(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a task number", part)
		}
		if !slices.Contains(*l, n) {
			*l = append(*l, n)
		}
	}
	return nil
}
