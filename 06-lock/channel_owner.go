package main

import "sync/atomic"

// channelOwner shares the balance by not sharing it: one goroutine owns the
// balance and is the only one that ever runs changeIt on it; the tutorial's
// two goroutines send it their amounts instead. "Do not communicate by
// sharing memory; share memory by communicating." Each change is then a
// hand-over between goroutines, which makes this the slowest variant.
func channelOwner(times int) int64 {
	var balance atomic.Int64
	changes := make(chan int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for amount := range changes {
			changeIt(&balance, amount)
		}
	}()
	runThreads(times, func(amount int64) { changes <- amount })
	close(changes)
	<-done
	return balance.Load()
}
