// Command 06-lock ports the Lock and 多核CPU (multi-core CPU) parts of the
// 多线程 section of Liao Xuefeng's Python tutorial
// (https://liaoxuefeng.com/books/python/process-thread/thread/index.html).
//
// Two goroutines each pay an amount into a shared balance and take it out
// again, a million times; the program prints the final balance without any
// synchronisation (usually not 0), with a sync.Mutex, with sync/atomic, and
// with one goroutine that owns the balance and gets the changes over a
// channel (always 0). Two more parts run on request: -spin shows that Go,
// having no GIL, keeps every CPU busy, and -deadlock shows the deadlock the
// tutorial only warns about, how it is detected, and the fix. -gil makes the
// busy loops share one lock, to show what CPython's GIL does to them.
//
//	go run ./06-lock
//	go run ./06-lock -spin 2s -deadlock
//	go run ./06-lock -spin 2s -gil
//	GOMAXPROCS=1 go run ./06-lock
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"

	"multitask/internal/cli"
)

// maxN keeps -n to what finishes in seconds: the channel variant, the slowest,
// needs a few hundred nanoseconds per change, so ten million changes per
// goroutine already take several seconds, and nothing in it can be
// interrupted.
const maxN = 10_000_000

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// options are the parsed and checked flags.
type options struct {
	n        int
	spin     time.Duration // 0: do not spin
	gil      bool
	deadlock bool
	watchdog time.Duration
}

// run parses the flags and runs the parts they ask for: the balance always,
// then the busy loops (-spin), then the Go notes and the deadlock demo
// (-deadlock).
func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parse(stdout, args)
	if err != nil {
		return err
	}

	unsyncBalance := printBalances(stdout, opts.n)
	var spun *spinResult
	if opts.spin > 0 {
		r, err := spin(ctx, opts.spin, opts.gil)
		if err != nil {
			return fmt.Errorf("busy loops: %w", err)
		}
		fmt.Fprintf(stdout, "busy loops on %d %s used %.2f CPUs\n", r.loops, plural(r.loops, "CPU"), r.cpus())
		spun = &r
	}

	fmt.Fprintln(stdout, "--- Go notes ---")
	printNotes(stdout, opts, unsyncBalance, spun)
	if opts.deadlock {
		if err := deadlockDemo(ctx, stdout, opts.watchdog); err != nil {
			return fmt.Errorf("deadlock demo: %w", err)
		}
	}
	return nil
}

// parse reads and checks the flags.
func parse(stdout io.Writer, args []string) (options, error) {
	fs := flag.NewFlagSet("06-lock", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var opts options
	fs.IntVar(&opts.n, "n", 1_000_000, "how many times each goroutine changes the balance")
	fs.DurationVar(&opts.spin, "spin", 0, "run one busy loop per CPU for this long and print how many CPUs were used (off when not given)")
	fs.BoolVar(&opts.gil, "gil", false, "with -spin: the busy loops share one lock, as CPython's threads share the GIL")
	fs.BoolVar(&opts.deadlock, "deadlock", false, "show a deadlock of two locks taken in opposite order, detected and broken, then the fix")
	fs.DurationVar(&opts.watchdog, "watchdog", 200*time.Millisecond, "with -deadlock: how long the watchdog waits for progress")
	if err := cli.Parse(fs, args); err != nil {
		return options{}, err
	}
	if err := cli.Positive("n", opts.n); err != nil {
		return options{}, err
	}
	if opts.n > maxN {
		return options{}, cli.Usagef("-n must be at most %d, got %d", maxN, opts.n)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// -spin is off unless given, so a given -spin 0 is a mistake, not a
	// request to skip it.
	if given["spin"] {
		if err := cli.PositiveDuration("spin", opts.spin); err != nil {
			return options{}, err
		}
	}
	if opts.gil && !given["spin"] {
		return options{}, cli.Usagef("-gil only applies with -spin")
	}
	if err := cli.PositiveDuration("watchdog", opts.watchdog); err != nil {
		return options{}, err
	}
	if given["watchdog"] && !opts.deadlock {
		return options{}, cli.Usagef("-watchdog only applies with -deadlock")
	}
	return opts, nil
}

// variant is one way of running the tutorial's balance program.
type variant struct {
	name string
	run  func(n int) int64
}

// variants are printed in this order: the tutorial's broken program first,
// then its fix, then two fixes Go offers besides a lock.
var variants = []variant{
	{"unsynchronised (load, then store)", unsynchronised},
	{"sync.Mutex + defer Unlock", locked},
	{"sync/atomic Add", atomicAdd},
	{"channel to one owner goroutine", channelOwner},
}

// printBalances runs every variant, prints its final balance and how long it
// took, and returns the unsynchronised variant's balance for the notes.
func printBalances(w io.Writer, n int) (unsync int64) {
	for i, v := range variants {
		began := time.Now()
		balance := v.run(n)
		elapsed := time.Since(began)
		fmt.Fprintf(w, "%-34s balance = %-8d %8.1fms\n", v.name, balance, float64(elapsed.Microseconds())/1000)
		if i == 0 {
			unsync = balance
		}
	}
	return unsync
}

// printNotes says what the lines above show, and what to try next.
func printNotes(w io.Writer, opts options, unsync int64, spun *spinResult) {
	procs := runtime.GOMAXPROCS(0)
	fmt.Fprintf(w, "2 goroutines changed the balance %d times each, on up to %d %s at once (GOMAXPROCS=%d): Go has no GIL.\n",
		opts.n, procs, plural(procs, "CPU"), procs)
	fmt.Fprintln(w, "The first line uses atomic loads and stores, so go test -race finds no data race;")
	fmt.Fprintln(w, "the race condition remains: another goroutine can write between a load and its store.")
	switch {
	case unsync != 0:
		fmt.Fprintf(w, "This run lost updates: the balance ended at %d instead of 0.\n", unsync)
	case procs == 1:
		fmt.Fprintln(w, "With one CPU the goroutines take turns, and this run lost nothing, much like CPython's GIL.")
	default:
		fmt.Fprintln(w, "This run happened to end at 0; run it again, or raise -n.")
	}
	if spun != nil {
		if opts.gil {
			fmt.Fprintln(w, "With -gil the busy loops took turns holding one lock, as CPython's threads take turns holding the GIL.")
		}
		fmt.Fprintf(w, "The busy loops' CPU time is from %s; CPython's busy threads stay near 1 CPU.\n", cpuTimeSource)
		if spun.waitKnown {
			fmt.Fprintf(w, "They were ready to run on %.2f CPUs; any shortfall above is time other processes had the CPUs.\n", spun.ready())
		}
	}
	if spun == nil || !opts.deadlock {
		fmt.Fprintln(w, "Try -spin 2s (busy loops on every CPU), -spin 2s -gil (the same under one lock) and -deadlock.")
	}
}

// plural appends an s to word unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
