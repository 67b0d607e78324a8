package bench

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BenchmarkBalance runs the workload of the 06-lock lesson (the tutorial's
// Lock example): goroutines call changeIt(n), which adds n to a shared
// balance and takes it away again, with n = 5 and n = 8 in turn. The balance
// must end at 0; each benchmark checks that it does. ns/op is wall time per
// changeIt over all goroutines.
//
//   - mutex: sync.Mutex with a deferred Unlock, the tutorial's
//     acquire/try/finally/release.
//   - rwmutex-write-only: sync.RWMutex used as a plain lock. Every changeIt
//     writes, so the read lock never applies: this shows what choosing
//     RWMutex costs where it does not fit (BenchmarkLock has a read-mostly
//     case where it does).
//   - atomic: two atomic adds, no lock.
//   - channel-owner: one extra goroutine owns the balance and applies the
//     changes it receives over a channel; the others only send.
func BenchmarkBalance(b *testing.B) {
	// Each kind makes a fresh balance and returns one goroutine's loop and
	// the final balance. The loops are written out per kind so that they
	// call changeIt on a concrete type, which the compiler inlines, rather
	// than through an interface, whose indirect call would be measured too.
	kinds := []struct {
		name  string
		start func() (loop func(pb *testing.PB, n int64), final func() int64)
	}{
		{"mutex", func() (func(*testing.PB, int64), func() int64) {
			bal := new(mutexBalance)
			return func(pb *testing.PB, n int64) {
				for pb.Next() {
					bal.changeIt(n)
				}
			}, bal.final
		}},
		{"rwmutex-write-only", func() (func(*testing.PB, int64), func() int64) {
			bal := new(rwBalance)
			return func(pb *testing.PB, n int64) {
				for pb.Next() {
					bal.changeIt(n)
				}
			}, bal.final
		}},
		{"atomic", func() (func(*testing.PB, int64), func() int64) {
			bal := new(atomicBalance)
			return func(pb *testing.PB, n int64) {
				for pb.Next() {
					bal.changeIt(n)
				}
			}, bal.final
		}},
		{"channel-owner", func() (func(*testing.PB, int64), func() int64) {
			bal := startOwnerBalance()
			return func(pb *testing.PB, n int64) {
				for pb.Next() {
					bal.changeIt(n)
				}
			}, bal.final
		}},
	}
	for _, k := range kinds {
		for _, g := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", k.name, g), func(b *testing.B) {
				parallel(b, g)
				loop, final := k.start()
				var turn atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					loop(pb, amountFor(turn.Add(1)))
				})
				if balance := final(); balance != 0 {
					b.Fatalf("balance ended at %d, want 0", balance)
				}
			})
		}
	}
}

// amountFor gives the i-th goroutine its n: 5, 8, 5, 8, … like the
// tutorial's two threads.
func amountFor(i uint64) int64 {
	if i%2 == 1 {
		return 5
	}
	return 8
}

// The four balances. The benchmark loops call changeIt on the concrete
// types, not through an interface, so that the small methods can be inlined
// and an indirect call is not what is measured.

type mutexBalance struct {
	mu      sync.Mutex
	balance int64
}

func (b *mutexBalance) changeIt(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.balance += n
	b.balance -= n
}

func (b *mutexBalance) final() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.balance
}

type rwBalance struct {
	mu      sync.RWMutex
	balance int64
}

func (b *rwBalance) changeIt(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.balance += n
	b.balance -= n
}

func (b *rwBalance) final() int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.balance
}

type atomicBalance struct{ balance atomic.Int64 }

func (b *atomicBalance) changeIt(n int64) {
	b.balance.Add(n)
	b.balance.Add(-n)
}

func (b *atomicBalance) final() int64 { return b.balance.Load() }

// ownerBalance keeps the balance in one goroutine, which alone touches it.
// The channel is buffered so that senders do not wait for the owner on
// every change, only when it falls behind.
type ownerBalance struct {
	changes chan int64
	result  chan int64
}

func startOwnerBalance() *ownerBalance {
	o := &ownerBalance{changes: make(chan int64, 64), result: make(chan int64)}
	go func() {
		var balance int64
		for n := range o.changes {
			balance += n
			balance -= n
		}
		o.result <- balance
	}()
	return o
}

func (o *ownerBalance) changeIt(n int64) { o.changes <- n }

// final stops the owner and returns the balance it ended with. No changeIt
// may follow it.
func (o *ownerBalance) final() int64 {
	close(o.changes)
	return <-o.result
}

// TestBalancesEndAtZero runs every balance from many goroutines at once, many
// times over: a guard that lets one update through would leave a balance
// other than 0 sooner or later, and -race would see the unguarded access.
func TestBalancesEndAtZero(t *testing.T) {
	const goroutines, each = 8, 5000
	run := func(changeIt func(int64)) {
		var wg sync.WaitGroup
		for i := range goroutines {
			wg.Go(func() {
				n := amountFor(uint64(i))
				for range each {
					changeIt(n)
				}
			})
		}
		wg.Wait()
	}
	for range 3 {
		var mu mutexBalance
		run(mu.changeIt)
		require.Zero(t, mu.final(), "mutex")

		var rw rwBalance
		run(rw.changeIt)
		require.Zero(t, rw.final(), "rwmutex")

		var at atomicBalance
		run(at.changeIt)
		require.Zero(t, at.final(), "atomic")

		owner := startOwnerBalance()
		run(owner.changeIt)
		require.Zero(t, owner.final(), "channel owner")
	}
}

func TestAmountsAlternateFiveAndEight(t *testing.T) {
	assert.Equal(t, []int64{5, 8, 5, 8}, []int64{amountFor(1), amountFor(2), amountFor(3), amountFor(4)})
}
