// Command 01-fork ports the fork() example of the tutorial's 多进程
// (multiprocessing) section: a process starts a child, the parent prints the
// child's PID and the child prints its own PID and its parent's.
//
// Go has no fork(), so the child is this same binary started again and told
// to play the child (see [multitask/internal/child]). After the tutorial's
// lines, a section marked "--- Go notes ---" shows the one call Go does have,
// syscall.ForkExec, which forks and execs in one step.
//
// Run it from the repository root:
//
//	go run ./01-fork
//	go run ./01-fork -children 3
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"multitask/internal/child"
	"multitask/internal/cli"
	"multitask/internal/osthreads"
)

// maxChildren keeps a typo such as -children 100000 from flooding the machine
// with processes.
const maxChildren = 64

func main() {
	child.Serve()
	cli.Exit(run(context.Background(), os.Stdout, os.Args[1:]))
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("01-fork", flag.ContinueOnError)
	fs.SetOutput(stdout)
	children := fs.Int("children", 1, fmt.Sprintf("how many child processes to start (1 to %d); the tutorial starts one", maxChildren))
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.Positive("children", *children); err != nil {
		return err
	}
	if err := cli.AtMost("children", *children, maxChildren); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Process (%d) start...\n", os.Getpid())
	if err := startChildren(ctx, stdout, childRole, *children); err != nil {
		return err
	}
	return goNotes(ctx, stdout)
}

// goNotes prints, after the tutorial's lines, why Go has no fork and what it
// offers instead.
func goNotes(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "--- Go notes ---")
	threads := "several OS threads"
	if n, err := osthreads.Count(); err == nil {
		threads = fmt.Sprintf("%d OS threads right now", n)
	}
	fmt.Fprintf(out, "Go has no fork(): this process runs %s, and a forked copy would keep only the one that called fork.\n", threads)
	fmt.Fprintf(out, "The children above are this binary started again (os.Executable) as child role %q: os/exec forks and execs in one step.\n", childRole)
	return forkExec(ctx, out)
}
