// Lesson 08-async-io ports the producer/consumer coroutine of 协程
// (coroutines), in the 异步IO (async IO) chapter of Liao Xuefeng's Python
// tutorial: https://liaoxuefeng.com/books/python/async-io/coroutine/index.html
// (the sample is coroutine.py; this folder has a Python twin of it).
//
// Run it with
//
//	go run ./08-async-io -tutorial-only   # the tutorial's fifteen lines
//	go run ./08-async-io -compare         # beside python3 coroutine.py
//	go run ./08-async-io                  # then the Go notes: 1,000 connections
//
// The Python consumer is a generator: it stops at `n = yield r`, and the
// producer resumes it with c.send(n). The closest Go has is iter.Pull: it
// runs an iterator as a coroutine and hands back a next function, each call
// of which switches to the consumer and back. What Go adds after the
// tutorial's lines (the channel version, an epoll server beside a goroutine
// per connection, CPU-bound vs IO-bound work; the prose of 进程 vs. 线程) is
// in notes.go and the eventloop package.
package main

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve() // the client process of the Go notes (eventloop) starts here
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// coroutineItems are what the tutorial's producer makes: 1 to 5.
var coroutineItems = []int{1, 2, 3, 4, 5}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	if opts.compare {
		return compareWithPython(ctx, stdout)
	}
	if !opts.tutorialOnly {
		if err := prepareNotes(opts); err != nil {
			return err
		}
	}

	// c = consumer(); produce(c)
	produce(stdout, coroutineItems)

	if opts.tutorialOnly {
		return nil
	}
	return goNotes(ctx, stdout, opts)
}

// consumer is the tutorial's generator: it yields its last reply, and when
// resumed it reads the item the producer put in *n.
//
// The Python consumer ends on `if not n: return`, so a falsy item (0, an
// empty string) would end it as if the producer had said stop. Here only
// the producer's stop() ends it: yield then returns false. Every int is an
// item.
//
// Sharing *n needs no lock: iter.Pull runs this function as a coroutine, and
// control passes between it and the producer explicitly, one side running at
// a time.
func consumer(w io.Writer, n *int) iter.Seq[string] {
	return func(yield func(string) bool) {
		r := ""
		for yield(r) { // n = yield r
			fmt.Fprintf(w, "[CONSUMER] Consuming %d...\n", *n)
			r = "200 OK"
		}
	}
}

// produce is the tutorial's produce(c). iter.Pull turns the consumer into a
// next function: each call switches to the consumer's coroutine and back
// (the runtime hands control over directly, without the scheduler), which is
// what c.send does in Python.
func produce(w io.Writer, items []int) {
	var n int
	send, stop := iter.Pull(consumer(w, &n)) // c = consumer()
	defer stop()                             // c.close(): the consumer's yield returns false
	send()                                   // c.send(None): run the consumer to its first yield
	for _, item := range items {
		n = item
		fmt.Fprintf(w, "[PRODUCER] Producing %d...\n", n)
		r, _ := send() // r = c.send(n); the consumer never ends before stop
		fmt.Fprintf(w, "[PRODUCER] Consumer return: %s\n", r)
	}
}
