package main

import (
	"context"
	"fmt"
	"io"

	"multitask/internal/osthreads"
)

// goNotes prints, after the tutorial's lines, why Go has no fork and what it
// offers instead. Its lines fit a 100-column terminal.
func goNotes(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "--- Go notes ---")
	threads := "several OS threads"
	if n, err := osthreads.Count(); err == nil {
		threads = fmt.Sprintf("%d OS threads right now", n)
	}
	fmt.Fprintf(out, "Go has no fork(): this process runs %s, and a forked copy would keep\n", threads)
	fmt.Fprintln(out, "only the one that called fork.")
	fmt.Fprintf(out, "The children above are this binary started again (os.Executable) as child role %q:\n", childRole)
	fmt.Fprintln(out, "os/exec forks and execs in one step.")
	return forkExec(ctx, out)
}
