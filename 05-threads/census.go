package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"multitask/internal/osthreads"
)

// census is what the process looked like while the parked goroutines waited.
type census struct {
	parked     int   // goroutines started and parked
	goroutines int   // runtime.NumGoroutine while they waited
	threads    int   // OS threads of the process then, when threadsErr is nil
	threadsErr error // why threads is not available on this system
	tids       []int // the OS thread each parked goroutine started on; nil where not available
}

// parkGoroutines starts n goroutines that each note the OS thread they run
// on and then block on one channel. Once all of them have started it counts
// goroutines and OS threads, then releases and joins every one of them, so
// nothing it started outlives the call.
//
// A goroutine blocked on a channel holds no OS thread: the scheduler parks it
// and lends the thread to the next runnable goroutine. That is why the thread
// count stays near GOMAXPROCS plus a few helpers however large n is.
func parkGoroutines(ctx context.Context, n int) (census, error) {
	release := make(chan struct{})
	var wg, ready sync.WaitGroup
	tids := make([]int, n)
	for i := range n {
		// Starting a million goroutines takes a while; Ctrl-C stops the
		// starting, and the ones already running are released below.
		if ctx.Err() != nil {
			break
		}
		ready.Add(1)
		wg.Go(func() {
			tids[i] = threadID() // written before ready.Done, read after ready.Wait
			ready.Done()
			<-release
			afterRelease()
		})
	}
	ready.Wait()

	c := census{parked: n, goroutines: runtime.NumGoroutine()}
	c.threads, c.threadsErr = osthreads.Count()
	if threadIDsAvailable {
		c.tids = tids
	}

	close(release)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return census{}, fmt.Errorf("starting %d goroutines: %w", n, context.Cause(ctx))
	}
	return c, nil
}

// afterRelease runs in each parked goroutine once it is released. It does
// nothing; a test makes it wait, to see that parkGoroutines joins them.
var afterRelease = func() {}

// sampled is how many goroutines' thread IDs are listed one by one; they are
// picked evenly spread over all the goroutines started.
const sampled = 5

// printCensus prints the Go notes' figures, one per line, so that they can
// be read side by side and parsed by the tests.
func printCensus(w io.Writer, c census) {
	fmt.Fprintf(w, "%d goroutines parked on one channel; while they waited:\n", c.parked)
	fmt.Fprintf(w, "goroutines: %d\n", c.goroutines)
	if c.threadsErr != nil {
		fmt.Fprintf(w, "OS threads: %v\n", c.threadsErr)
	} else {
		fmt.Fprintf(w, "OS threads: %d\n", c.threads)
	}
	if c.tids == nil {
		fmt.Fprintf(w, "OS thread IDs: not available on %s (Linux has gettid)\n", runtime.GOOS)
	} else {
		var which, tids []int
		for k := range min(sampled, c.parked) {
			i := k * c.parked / min(sampled, c.parked)
			which, tids = append(which, i+1), append(tids, c.tids[i])
		}
		fmt.Fprintf(w, "goroutines %s started on OS threads %s\n", joinInts(which), joinInts(tids))
		distinct := slices.Compact(slices.Sorted(slices.Values(c.tids)))
		// On a machine with many CPUs the list is cut, to fit the line
		// in 100 columns; the picture below has the busiest threads.
		listed, more := distinct[:min(len(distinct), maxRows)], ""
		if len(distinct) > len(listed) {
			more = fmt.Sprintf(" and %d more", len(distinct)-len(listed))
		}
		fmt.Fprintf(w, "all %d goroutines started on %s: %s%s\n", c.parked, osThreadsWord(len(distinct)), joinInts(listed), more)
	}
	drawThreads(w, c)
	fmt.Fprintf(w, "released and joined all %d goroutines\n", c.parked)
}

func osThreadsWord(n int) string {
	if n == 1 {
		return "1 OS thread"
	}
	return fmt.Sprintf("%d distinct OS threads", n)
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " ")
}
