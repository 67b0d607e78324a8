package main

// The Go notes: what the tutorial does not show, printed after its nine
// lines unless -tutorial-only is given.

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// printNotes parks goroutines (census.go) and prints what the process
// looked like while they waited.
func printNotes(ctx context.Context, w io.Writer, goroutines int) error {
	fmt.Fprintln(w, "--- Go notes ---")
	fmt.Fprintln(w, "A goroutine has no name and no ID: LoopThread was handed its name as an argument.")
	c, err := parkGoroutines(ctx, goroutines)
	if err != nil {
		return err
	}
	printCensus(w, c)
	return nil
}

// Bounds of the picture drawThreads prints: a bar at most barWidth columns
// wide, and at most maxRows threads, so that it fits a 100-column terminal
// and a screen on a machine with many CPUs.
const (
	barWidth = 50
	maxRows  = 8
)

// drawThreads draws where the parked goroutines started: one bar per OS
// thread, as long as the number of goroutines that started on it. Nothing
// is drawn where thread IDs are not available.
func drawThreads(w io.Writer, c census) {
	if c.tids == nil {
		return
	}
	perThread := map[int]int{}
	for _, tid := range c.tids {
		perThread[tid]++
	}
	// The busiest threads first; equal counts in the order of their IDs,
	// so that the picture does not change from one print to the next.
	tids := slices.SortedFunc(maps.Keys(perThread), func(a, b int) int {
		return cmp.Or(cmp.Compare(perThread[b], perThread[a]), cmp.Compare(a, b))
	})
	most := perThread[tids[0]]
	per := (most + barWidth - 1) / barWidth // goroutines per #, rounded up
	fmt.Fprintf(w, "where the goroutines started, # = %d goroutine%s:\n", per, plural(per))
	for _, tid := range tids[:min(len(tids), maxRows)] {
		n := perThread[tid]
		bar := strings.Repeat("#", (n+per-1)/per) // one # even for a single goroutine
		fmt.Fprintf(w, "  OS thread %7d |%-*s| %d\n", tid, barWidth, bar, n)
	}
	if rest := tids[min(len(tids), maxRows):]; len(rest) > 0 {
		sum := 0
		for _, tid := range rest {
			sum += perThread[tid]
		}
		fmt.Fprintf(w, "  and %d more OS thread%s, with %d goroutine%s between them\n",
			len(rest), plural(len(rest)), sum, plural(sum))
	}
	if c.threadsErr == nil && c.threads > len(tids) {
		idle := c.threads - len(tids)
		fmt.Fprintf(w, "  %d more OS thread%s started none of them (the runtime's sysmon and spare threads)\n",
			idle, plural(idle))
	}
	fmt.Fprintf(w, "  parked on the channel, the %d goroutines held no OS thread at all\n", c.parked)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
