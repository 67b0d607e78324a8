// Command 05-threads ports the 多线程 (threads) section of Liao Xuefeng's
// Python tutorial (https://liaoxuefeng.com/books/python/process-thread/thread/index.html):
// a main flow starts a second flow named LoopThread, which counts to five with
// a pause between steps, and waits for it to end. In Go the second flow is a
// goroutine, and because goroutines have no names it is handed its name.
//
// After the tutorial's lines it shows what a goroutine is underneath: it
// parks thousands of goroutines and prints how few OS threads carry them.
//
//	go run ./05-threads
//	go run ./05-threads -interval 200ms -goroutines 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"multitask/internal/cli"
)

// maxGoroutines keeps -goroutines within what an ordinary machine can hold:
// a parked goroutine costs a few kilobytes, so a million of them is a few
// gigabytes, and a larger number would end in the out-of-memory killer
// instead of in a clear message.
const maxGoroutines = 1_000_000

// maxInterval bounds LoopThread's pause: five steps of a minute each is
// already a long wait for a lesson.
const maxInterval = time.Minute

func main() {
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run parses the flags, prints the tutorial's nine lines, and then the Go
// notes about goroutines and OS threads.
func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("05-threads", flag.ContinueOnError)
	fs.SetOutput(stdout)
	interval := fs.Duration("interval", time.Second, fmt.Sprintf("pause after each step of LoopThread's count (above 0, at most %v)", maxInterval))
	goroutines := fs.Int("goroutines", 10_000, fmt.Sprintf("how many goroutines to park for the Go notes (1 to %d)", maxGoroutines))
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := cli.PositiveDuration("interval", *interval); err != nil {
		return err
	}
	if err := cli.DurationAtMost("interval", *interval, maxInterval); err != nil {
		return err
	}
	if err := cli.Positive("goroutines", *goroutines); err != nil {
		return err
	}
	if err := cli.AtMost("goroutines", *goroutines, maxGoroutines); err != nil {
		return err
	}

	if err := mainThread(ctx, stdout, *interval); err != nil {
		return err
	}

	fmt.Fprintln(stdout, "--- Go notes ---")
	fmt.Fprintln(stdout, "A goroutine has no name and no ID: LoopThread was handed its name as an argument.")
	c, err := parkGoroutines(ctx, *goroutines)
	if err != nil {
		return err
	}
	printCensus(stdout, c)
	return nil
}
