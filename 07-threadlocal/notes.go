package main

// The Go notes: the tutorial's other roads to a per-thread value, as Go can
// (or cannot) take them, printed after its two lines unless -tutorial-only
// is given.

import (
	"context"
	"fmt"
	"io"
)

func printNotes(ctx context.Context, w io.Writer) {
	fmt.Fprintln(w, "--- Go notes ---")
	fmt.Fprintln(w, "The two lines above are the Go answer to threading.local: a value the code needs is a")
	fmt.Fprintln(w, "parameter, or the receiver of the methods that need it. Each goroutine was handed its")
	fmt.Fprintln(w, "own job{student, thread}; nothing is stored per goroutine. Each wrote its line into its")
	fmt.Fprintln(w, "own slot, and the slots were printed in order after the join: the order never depends")
	fmt.Fprintln(w, "on which goroutine the scheduler happens to run first.")

	fmt.Fprintln(w, "\nstep 1: pass the student down every call (works; fine while the calls are few)")
	printLines(w, inGoroutines(threads, processExplicit))

	fmt.Fprintln(w, "\nstep 2: a global map keyed by the current thread: closed, a goroutine has no ID to key on.")
	fmt.Fprintln(w, "HACK, DO NOT USE: the ID parsed out of runtime.Stack's text, which is not an API:")
	printLines(w, inGoroutines(threads, processByGoroutineMap))
	fmt.Fprintf(w, "a goroutine that %s starts to help it finds: %s\n", threads[0].thread, helperFindsInMap(threads[0]))

	fmt.Fprintln(w, "\nnot the answer, but what a context.Context is for: request-scoped data that crosses API")
	fmt.Fprintln(w, "boundaries (a deadline, a request ID, the request's user), as the context package says.")
	fmt.Fprintln(w, "The student as a request's user, read behind an API that takes only ctx:")
	printLines(w, inGoroutines(threads, func(j job) string { return processWithContext(ctx, j) }))
	fmt.Fprintf(w, "a goroutine that %s starts to help it, handed ctx, finds: %s\n", threads[0].thread, helperFindsInContext(ctx, threads[0]))
}

// noStudent is what a lookup that found nothing reports.
const noStudent = "no student"

// inHelper runs find in a new goroutine, as a handler does when it hands part
// of its work to a helper, and returns the name of the student found there.
func inHelper(find func() (Student, bool)) string {
	found := make(chan string)
	go func() {
		s, ok := find()
		if !ok {
			found <- noStudent
			return
		}
		found <- s.Name
	}()
	return <-found
}
