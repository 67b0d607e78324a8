// Command 07-threadlocal ports the ThreadLocal section of Liao Xuefeng's
// Python tutorial (https://liaoxuefeng.com/books/python/process-thread/threadlocal/index.html).
// The tutorial walks three roads to give each thread its own Student without
// a global variable: pass it down every call, keep a global dict keyed by the
// current thread, and finally threading.local. Go has no goroutine ID and no
// goroutine-local storage, so the second road is closed (shown here only as a
// labelled hack) and the third becomes context.Context.
//
//	go run ./07-threadlocal
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"multitask/internal/cli"
)

func main() {
	cli.Exit(run(context.Background(), os.Stdout, os.Args[1:]))
}

// jobs are the tutorial's two threads: the student each one serves, and the
// name Python gives the thread. A goroutine has no name, so the name travels
// with the job.
var jobs = []job{
	{Student{"Alice"}, "Thread-A"},
	{Student{"Bob"}, "Thread-B"},
}

// run prints the tutorial's two lines, made the Go way, and then each of the
// tutorial's three steps as Go can (or cannot) do them.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("07-threadlocal", flag.ContinueOnError)
	fs.SetOutput(stdout)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}

	withContext := func(j job) string { return processWithContext(ctx, j) }
	printLines(stdout, inGoroutines(jobs, withContext))

	fmt.Fprintln(stdout, "--- Go notes ---")
	fmt.Fprintln(stdout, "The two lines above come from step 3. Each goroutine writes its line into its own slot,")
	fmt.Fprintln(stdout, "and the slots are printed in order after all goroutines are joined: the order never")
	fmt.Fprintln(stdout, "depends on which goroutine the scheduler happens to run first.")

	fmt.Fprintln(stdout, "\nstep 1: pass the student down every call (works; fine while the calls are few)")
	printLines(stdout, inGoroutines(jobs, processExplicit))

	fmt.Fprintln(stdout, "\nstep 2: a global map keyed by the current thread: closed, Go gives a goroutine no ID to key on.")
	fmt.Fprintln(stdout, "HACK, DO NOT USE: the ID parsed out of runtime.Stack's text, which is not an API:")
	printLines(stdout, inGoroutines(jobs, processByGoroutineMap))
	fmt.Fprintf(stdout, "a goroutine that %s starts to help it finds: %s\n", jobs[0].thread, helperFindsInMap(jobs[0]))

	fmt.Fprintln(stdout, "\nstep 3: the Go answer: pass values, and carry request-scoped ones in a context.Context")
	printLines(stdout, inGoroutines(jobs, withContext))
	fmt.Fprintf(stdout, "a goroutine that %s starts to help it, handed ctx, finds: %s\n", jobs[0].thread, helperFindsInContext(ctx, jobs[0]))
	return nil
}

func printLines(w io.Writer, lines []string) {
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
}
