package main

import "sync/atomic"

// atomicAdd is the tutorial's program with each load-then-store of changeIt
// turned into one indivisible read-modify-write, so that nothing can come
// between the read and the write. It needs no lock, but it only works while
// each step is a single update of a single word: a transfer between two
// accounts still needs a lock.
func atomicAdd(times int) int64 {
	var balance atomic.Int64
	runThreads(times, func(amount int64) {
		balance.Add(amount)
		balance.Add(-amount)
	})
	return balance.Load()
}
