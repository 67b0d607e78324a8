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

// changeIt is the tutorial's change_it, and every variant but atomicAdd
// calls it as it is: each line reads the balance and then writes a new one,
// two steps with room for another goroutine's write in between. The
// variants differ only in what they put around it, so the one primitive a
// fixed variant adds is all that stands between it and unsynchronised.
//
// The reads and writes are atomic loads and stores. The compiler must then
// perform them as written: with a plain int64 it may assume that no other
// goroutine writes in between, and fold "+amount, then -amount" away, so
// that even the unsynchronised variant would end at 0 (see the README). And
// the race detector has nothing to report: unsynchronised has a race
// condition (the outcome depends on the interleaving), not a data race.
func changeIt(balance *atomic.Int64, amount int64) {
	balance.Store(balance.Load() + amount)
	balance.Store(balance.Load() - amount)
}

// unsynchronised is the tutorial's program without a lock. When the other
// goroutine writes between a load and its store, that write is overwritten
// and lost, and the final balance is off by the amounts that were lost.
func unsynchronised(n int) int64 {
	var balance atomic.Int64
	together(n, func(amount int64) { changeIt(&balance, amount) })
	return balance.Load()
}

// locked is the tutorial's fix: changeIt runs under a lock, and the deferred
// Unlock plays the part of try/finally, releasing the lock even if the code
// between panics. Under the lock the loads and stores need not be atomic;
// they are so only to be the same as in unsynchronised.
func locked(n int) int64 {
	var (
		mu      sync.Mutex
		balance atomic.Int64
	)
	together(n, func(amount int64) {
		mu.Lock()
		defer mu.Unlock()
		changeIt(&balance, amount)
	})
	return balance.Load()
}

// atomicAdd turns each load-then-store of changeIt into one indivisible
// read-modify-write, so nothing can come between the read and the write. It
// needs no lock, but it only works while each step is a single update of a
// single word.
func atomicAdd(n int) int64 {
	var balance atomic.Int64
	together(n, func(amount int64) {
		balance.Add(amount)
		balance.Add(-amount)
	})
	return balance.Load()
}

// channelOwner shares the balance by not sharing it: one goroutine owns the
// balance and is the only one that ever runs changeIt on it; the others send
// it the amounts. "Do not communicate by sharing memory; share memory by
// communicating."
func channelOwner(n int) int64 {
	var balance atomic.Int64
	changes := make(chan int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for amount := range changes {
			changeIt(&balance, amount)
		}
	}()
	together(n, func(amount int64) { changes <- amount })
	close(changes)
	<-done
	return balance.Load()
}
