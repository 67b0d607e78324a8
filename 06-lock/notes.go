package main

// The Go notes: what the tutorial does not show, printed after its two
// balance lines unless -tutorial-only is given.

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// measured is one run of one of the balance programs: where the balance
// ended and how long the run took.
type measured struct {
	balance int64
	took    time.Duration
}

// measure runs program with times changes per goroutine and times it.
func measure(program func(times int) int64, times int) measured {
	began := time.Now()
	balance := program(times)
	return measured{balance: balance, took: time.Since(began)}
}

// variant is one way of running the tutorial's balance program.
type variant struct {
	name string
	run  func(times int) int64
}

// variants are printed in this order: the tutorial's broken program first,
// then its fix, then two fixes Go offers besides a lock. The tests rely on
// the control coming first and the slow channel variant last.
var variants = []variant{
	{"unsynchronised (load, then store)", withoutLock},
	{"sync.Mutex + defer Unlock", withLock},
	{"sync/atomic Add", atomicAdd},
	{"channel to one owner goroutine", channelOwner},
}

// printNotes prints the four variants, the tutorial's two from the runs
// above and Go's two run now, then the busy loops (-spin), what the lines
// show, and the deadlock demo (-deadlock).
func printNotes(ctx context.Context, w io.Writer, opts options, unlocked, locked measured) error {
	fmt.Fprintln(w, "--- Go notes ---")
	fmt.Fprintf(w, "The same two goroutines, %d changes each, four ways (the first two are the lines above):\n", opts.n)
	runs := []measured{unlocked, locked}
	for i, v := range variants {
		if i >= len(runs) {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			runs = append(runs, measure(v.run, opts.n))
		}
		fmt.Fprintf(w, "%-34s balance = %-8d %8.1fms\n", v.name, runs[i].balance, float64(runs[i].took.Microseconds())/1000)
	}

	var spun *spinResult
	if opts.spin > 0 {
		r, err := spin(ctx, opts.spin, opts.gil)
		if err != nil {
			return fmt.Errorf("busy loops: %w", err)
		}
		fmt.Fprintf(w, "busy loops on %d %s used %.2f CPUs\n", r.loops, plural(r.loops, "CPU"), r.cpus())
		spun = &r
	}
	printWhatItShows(w, opts, unlocked.balance, spun)

	if opts.deadlock {
		if err := deadlockDemo(ctx, w, opts.watchdog); err != nil {
			return fmt.Errorf("deadlock demo: %w", err)
		}
	}
	return nil
}

// printWhatItShows says what the lines above show, and what to try next.
// Its lines are wrapped to fit a 100-column terminal.
func printWhatItShows(w io.Writer, opts options, unlocked int64, spun *spinResult) {
	procs := runtime.GOMAXPROCS(0)
	fmt.Fprintf(w, "2 goroutines changed the balance %d times each, on up to %d %s at once\n",
		opts.n, procs, plural(procs, "CPU"))
	fmt.Fprintf(w, "(GOMAXPROCS=%d): Go has no GIL.\n", procs)
	fmt.Fprintln(w, "The first line uses atomic loads and stores, so go test -race finds no data race;")
	fmt.Fprintln(w, "the race condition remains: another goroutine can write between a load and its store.")
	switch {
	case unlocked != 0:
		fmt.Fprintf(w, "This run lost updates: the balance without a lock ended at %d instead of 0.\n", unlocked)
	case procs == 1:
		fmt.Fprintln(w, "With one CPU the goroutines take turns, and this run lost nothing, much like CPython's GIL.")
	default:
		fmt.Fprintln(w, "This run happened to end at 0; run it again, or raise -n.")
	}
	if spun != nil {
		if opts.gil {
			fmt.Fprintln(w, "With -gil the busy loops took turns holding one lock,")
			fmt.Fprintln(w, "as CPython's threads take turns holding the GIL.")
		}
		fmt.Fprintf(w, "The busy loops' CPU time is from %s.\n", cpuTimeSource)
		fmt.Fprintln(w, "CPython's busy threads stay near 1 CPU, however many there are.")
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
