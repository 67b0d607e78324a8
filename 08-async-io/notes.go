package main

import (
	"context"
	"fmt"
	"io"

	"multitask/08-async-io/eventloop"
)

// prepareNotes checks, before anything is printed, that the process may open
// the descriptors the notes need, and raises its limit to make room.
func prepareNotes(opts options) error {
	return eventloop.ReserveDescriptors(opts.conns, opts.tasks)
}

// goNotes is what Go adds after the tutorial's lines: the same hand-off over
// channels, an item 0 that does not stop the consumer, then the prose of 进程 vs. 线程 made measurable by the eventloop
// package (many connections on a goroutine each and on a hand-written epoll
// loop; CPU-bound vs IO-bound tasks under GOMAXPROCS=1 and every CPU).
func goNotes(ctx context.Context, w io.Writer, opts options) error {
	fmt.Fprintln(w, "\n--- Go: the same hand-off between two goroutines over unbuffered channels ---")
	produceOverChannels(w, coroutineItems)
	// The tutorial's consumer ends on any falsy item; this one only on stop.
	fmt.Fprintln(w, "\n--- Go: 0 is an item like any other (Python's consumer stops at it: `if not n: return`) ---")
	produce(w, []int{0})
	if err := eventloop.ServersSideBySide(ctx, w, opts.servers()); err != nil {
		return err
	}
	return eventloop.CPUVersusIO(ctx, w, opts.study())
}
