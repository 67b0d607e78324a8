package main

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// amounts are the tutorial's two savers: one goroutine pays in 5 and takes
// it out again, the other does the same with 8. Whatever the interleaving,
// every change is undone by the next one, so a correct program ends at 0.
var amounts = [2]int64{5, 8}

// together runs changeIt(amount) n times in one goroutine per amount, and
// returns when all are done. It is the tutorial's "start t1 and t2, then
// join both", shared by every variant below so that they differ only in how
// changeIt touches the balance.
//
// The goroutines start their loops at the same moment: each says it is
// running, then yields until all are. Without that, the first goroutine
// could be done with a short loop before the second one got a thread, and
// no variant would ever meet any contention.
func together(n int, changeIt func(amount int64)) {
	var (
		running atomic.Int32
		wg      sync.WaitGroup
	)
	for _, amount := range amounts {
		wg.Go(func() {
			running.Add(1)
			for running.Load() < int32(len(amounts)) {
				runtime.Gosched()
			}
			for range n {
				changeIt(amount)
			}
		})
	}
	wg.Wait()
}

// unsynchronised is the tutorial's program without a lock. Each statement
// reads the balance and then writes a new one, and the other goroutine can
// write in between: its change is then overwritten and lost, and the final
// balance is off by the amounts that were lost.
//
// The reads and writes are atomic loads and stores, so the race detector has
// nothing to report: no two goroutines touch the memory at once without
// synchronisation. That makes this a race condition (the outcome depends on
// the interleaving) but not a data race. With a plain int64 it would be both,
// and the compiler, which may assume no other goroutine writes in between,
// folds "+n then -n" away altogether (see the README).
func unsynchronised(n int) int64 {
	var balance atomic.Int64
	together(n, func(amount int64) {
		balance.Store(balance.Load() + amount)
		balance.Store(balance.Load() - amount)
	})
	return balance.Load()
}

// locked is the tutorial's fix: changeIt runs under a lock, and the deferred
// Unlock plays the part of try/finally, releasing the lock even if the code
// between panics.
func locked(n int) int64 {
	var (
		mu      sync.Mutex
		balance int64
	)
	together(n, func(amount int64) {
		mu.Lock()
		defer mu.Unlock()
		balance += amount
		balance -= amount
	})
	return balance
}

// atomicAdd makes each change one indivisible read-modify-write, so nothing
// can come between the read and the write. It needs no lock, but it only
// works while each step is a single update of a single word.
func atomicAdd(n int) int64 {
	var balance atomic.Int64
	together(n, func(amount int64) {
		balance.Add(amount)
		balance.Add(-amount)
	})
	return balance.Load()
}

// channelOwner shares the balance by not sharing it: one goroutine owns the
// variable and is the only one that ever touches it; the others send it the
// changes to make. "Do not communicate by sharing memory; share memory by
// communicating."
func channelOwner(n int) int64 {
	changes := make(chan int64)
	final := make(chan int64)
	go func() {
		var balance int64
		for amount := range changes {
			balance += amount
			balance -= amount
		}
		final <- balance
	}()
	together(n, func(amount int64) { changes <- amount })
	close(changes)
	return <-final
}
