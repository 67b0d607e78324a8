package main

import (
	"fmt"
	"io"
	"sync"
)

// produceOverChannels does the tutorial's hand-off the everyday Go way:
// between two goroutines, over two channels. The channels are unbuffered, so
// a send completes only when the other side receives: the producer cannot
// run ahead of the consumer, and the lines come out in the same strict order
// as from the coroutine, although the two goroutines may run on two threads
// at once.
func produceOverChannels(w io.Writer, items []int) {
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
