// Command 06-lock ports the Lock part of the 多线程 (threads) section of Liao
// Xuefeng's Python tutorial
// (https://liaoxuefeng.com/books/python/process-thread/thread/index.html),
// whose program is do_lock.py: two threads pay 5 and 8 into a shared balance
// and take them out again, many times, and the program prints the balance.
// As on the tutorial's page it runs twice, first without a lock (the balance
// usually ends wrong) and then with one (it ends at 0).
//
// After the tutorial's two lines, the Go notes (notes.go) time the two beside
// two fixes Go adds (atomic_add.go, channel_owner.go). On request they also
// run the page's 多核CPU (multi-core CPU) part, one busy loop per CPU
// (spin.go: -spin, and -gil for CPython's lock), and a deadlock, detected and
// fixed (deadlock.go: -deadlock).
//
//	go run ./06-lock                    # the two balances, then the Go notes
//	go run ./06-lock -tutorial-only     # the two balances and nothing else
//	go run ./06-lock -compare           # beside the Python twin, do_lock.py
//	go run ./06-lock -spin 2s -deadlock
//	GOMAXPROCS=1 go run ./06-lock
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"multitask/internal/cli"
)

func main() {
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run prints the balance after the tutorial's program without a lock and
// with one, then the Go notes; -compare shows the two lines beside the
// Python twin's instead (compare.go).
func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if opts.compare {
		return compareWithPython(ctx, stdout, opts.n)
	}

	// The page's first program, then its fix. measure (notes.go) also
	// times each run, for the notes.
	unlocked := measure(withoutLock, opts.n)
	fmt.Fprintf(stdout, "balance without a lock: %d\n", unlocked.balance)
	locked := measure(withLock, opts.n)
	fmt.Fprintf(stdout, "balance with a lock: %d\n", locked.balance)

	if opts.tutorialOnly {
		return nil
	}
	return printNotes(ctx, stdout, opts, unlocked, locked)
}

// changeIt is the tutorial's change_it: pay amount in, then take it out
// again. Each line reads the balance and then writes a new one: two steps,
// with room for another goroutine's write in between, which is then lost.
//
// The reads and writes are atomic loads and stores so that the compiler
// performs them as written: with a plain int64 it may assume that no other
// goroutine writes in between and fold the two lines away, and the
// unlocked program would end at 0 by accident (see the README). The race
// detector then has nothing to report: the unlocked program has a race
// condition (the outcome depends on the interleaving), not a data race.
func changeIt(balance *atomic.Int64, amount int64) {
	balance.Store(balance.Load() + amount)
	balance.Store(balance.Load() - amount)
}

// amounts are the tutorial's two threads: t1 runs with 5, t2 with 8.
var amounts = [2]int64{5, 8}

// runThreads is the tutorial's start t1 and t2, then join both: one
// goroutine per amount, each running the tutorial's run_thread loop, which
// calls step(amount) times times. Every program of this lesson runs through
// it, so they differ only in what step does.
//
// The goroutines start their loops at one moment: each says it is running,
// then yields until both are. Otherwise the first could finish a short loop
// before the second got a thread, and nothing would ever meet.
func runThreads(times int, step func(amount int64)) {
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
			for range times {
				step(amount)
			}
		})
	}
	wg.Wait()
}

// withoutLock is the page's first program: when one goroutine writes
// between the other's load and its store, that write is lost, and the final
// balance is off by the amounts lost.
func withoutLock(times int) int64 {
	var balance atomic.Int64
	runThreads(times, func(amount int64) { changeIt(&balance, amount) })
	return balance.Load()
}

// withLock is the tutorial's fix, do_lock.py: change_it runs under a lock.
// Lock is lock.acquire(), and the deferred Unlock is the finally that
// releases it even if the code between panics.
func withLock(times int) int64 {
	var (
		lock    sync.Mutex
		balance atomic.Int64
	)
	runThreads(times, func(amount int64) {
		lock.Lock()
		defer lock.Unlock()
		changeIt(&balance, amount)
	})
	return balance.Load()
}
