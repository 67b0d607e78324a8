package main

import (
	"fmt"
	"io"
	"iter"
	"sync"
)

// The tutorial's coroutine is a Python generator: the consumer stops at
// `n = yield r`, the producer resumes it with c.send(n) and gets r back. Two
// ways to write that hand-off in Go follow; both print the tutorial's lines.

// consumer is the generator, line for line: it yields its last reply, and
// when resumed it reads the item the producer put in *sent.
//
// The Python consumer ends on `if not n: return`, so any falsy item (0, an
// empty string) would end it as if the producer had said stop. Here only the
// producer's stop() ends it: yield then returns false. Every int is an item.
//
// Sharing *sent needs no lock: iter.Pull runs this function as a coroutine,
// and control passes between it and the producer explicitly, one side
// running at a time.
func consumer(w io.Writer, sent *int) iter.Seq[string] {
	return func(yield func(string) bool) {
		reply := ""
		for yield(reply) {
			fmt.Fprintf(w, "[CONSUMER] Consuming %d...\n", *sent)
			reply = "200 OK"
		}
	}
}

// produceWithPull is the tutorial's produce(c). iter.Pull turns the consumer
// into a next function: each call switches to the consumer's coroutine and
// back (the runtime switches goroutines directly, without the scheduler),
// which is what c.send does in Python.
func produceWithPull(w io.Writer, items []int) {
	var sent int
	next, stop := iter.Pull(consumer(w, &sent))
	defer stop() // c.close(): the consumer's yield returns false and it ends
	next()       // c.send(None): run the consumer to its first yield
	for _, n := range items {
		fmt.Fprintf(w, "[PRODUCER] Producing %d...\n", n)
		sent = n
		reply, _ := next() // the consumer never ends before stop
		fmt.Fprintf(w, "[PRODUCER] Consumer return: %s\n", reply)
	}
}

// produceOverChannel does the same hand-off between two goroutines. The
// channels are unbuffered, so a send completes only when the other side
// receives: the producer cannot run ahead of the consumer, and the lines come
// out in the same strict order, although the two goroutines may run on two
// threads at once.
func produceOverChannel(w io.Writer, items []int) {
	work := make(chan int)
	replies := make(chan string)
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := range work {
			fmt.Fprintf(w, "[CONSUMER] Consuming %d...\n", n)
			replies <- "200 OK"
		}
	})
	for _, n := range items {
		fmt.Fprintf(w, "[PRODUCER] Producing %d...\n", n)
		work <- n
		fmt.Fprintf(w, "[PRODUCER] Consumer return: %s\n", <-replies)
	}
	close(work) // the consumer's range ends: the channel version of c.close()
	wg.Wait()
}
