package bench

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The shared state of the lock benchmarks: one counter, guarded five ways.
// Each inc is one operation: it adds one to the counter and, for a busy
// critical section, runs mix over the new value while still holding the
// guard, as code does when the new state depends on the old. inc returns
// mix's result so the compiler cannot drop the work.
//
// The methods are small and called on concrete types, so the compiler can
// inline them and the benchmarks measure the guard, not a call.

// mix runs rounds of a xorshift-multiply step over x: arithmetic that stays
// in registers and cannot be skipped, so a busy critical section takes a
// known time without touching memory. mix(x, 0) is x.
func mix(x uint64, rounds int) uint64 {
	for range rounds {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		x *= 0x2545F4914F6CDD1D
	}
	return x
}

// padding keeps each counter on its own cache lines (two of them: some CPUs
// fetch lines in pairs), so that two counters never contend by accident.
type padding [128]byte

type mutexCounter struct {
	mu sync.Mutex
	n  uint64
	_  padding
}

func (c *mutexCounter) inc(rounds int) uint64 {
	c.mu.Lock()
	c.n++
	h := mix(c.n, rounds)
	c.mu.Unlock()
	return h
}

func (c *mutexCounter) count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// rwCounter is read-mostly: one operation in readEvery writes under Lock,
// the others read under RLock, and readers run in parallel with each other.
type rwCounter struct {
	mu sync.RWMutex
	n  uint64
	_  padding
}

const readEvery = 10

// op does the i-th operation of one goroutine; it writes when i is a
// multiple of readEvery, so each goroutine's first operation is a write.
func (c *rwCounter) op(i uint64, rounds int) uint64 {
	if i%readEvery == 0 {
		c.mu.Lock()
		c.n++
		h := mix(c.n, rounds)
		c.mu.Unlock()
		return h
	}
	c.mu.RLock()
	h := mix(c.n, rounds)
	c.mu.RUnlock()
	return h
}

// writesIn is how many of a goroutine's first ops operations write.
func writesIn(ops uint64) uint64 { return (ops + readEvery - 1) / readEvery }

func (c *rwCounter) count() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.n
}

// atomicCounter has no critical section to hold. The empty one is a single
// atomic add; the busy one computes the new value from the old and
// publishes it with compare-and-swap, starting over when another goroutine
// got there first: the lock-free way to update state that depends on
// itself.
type atomicCounter struct {
	n atomic.Uint64
	_ padding
}

func (c *atomicCounter) inc(rounds int) uint64 {
	if rounds == 0 {
		return c.n.Add(1)
	}
	for {
		old := c.n.Load()
		h := mix(old+1, rounds)
		if c.n.CompareAndSwap(old, old+1) {
			return h
		}
	}
}

func (c *atomicCounter) count() uint64 { return c.n.Load() }

// chanCounter uses a channel with room for one value as its lock: a send
// takes the lock, because a second send would block until a receive, which
// gives it back.
type chanCounter struct {
	sem chan struct{}
	n   uint64
	_   padding
}

func newChanCounter() *chanCounter { return &chanCounter{sem: make(chan struct{}, 1)} }

func (c *chanCounter) inc(rounds int) uint64 {
	c.sem <- struct{}{}
	c.n++
	h := mix(c.n, rounds)
	<-c.sem
	return h
}

func (c *chanCounter) count() uint64 {
	c.sem <- struct{}{}
	defer func() { <-c.sem }()
	return c.n
}

// shardedCounter gives every goroutine a counter of its own, on its own cache
// lines, and adds them up only when asked: nothing is shared while counting.
// The atomics cost little uncontended and let count run while goroutines
// still add.
type shardedCounter struct {
	shards []shard
	next   atomic.Uint64
}

type shard struct {
	n atomic.Uint64
	_ padding
}

func newShardedCounter(goroutines int) *shardedCounter {
	return &shardedCounter{shards: make([]shard, goroutines)}
}

// shard hands each calling goroutine the next shard, in turn.
func (c *shardedCounter) shard() *shard {
	return &c.shards[(c.next.Add(1)-1)%uint64(len(c.shards))]
}

func (s *shard) inc(rounds int) uint64 {
	n := s.n.Load() + 1
	s.n.Store(n)
	return mix(n, rounds)
}

func (c *shardedCounter) count() uint64 {
	var total uint64
	for i := range c.shards {
		total += c.shards[i].n.Load()
	}
	return total
}

func TestMix(t *testing.T) {
	assert.Equal(t, uint64(12345), mix(12345, 0), "no rounds, no change")
	assert.Equal(t, mix(12345, busyRounds), mix(12345, busyRounds), "mix is a function of its input")
	assert.NotEqual(t, mix(1, busyRounds), mix(2, busyRounds))
	assert.NotEqual(t, uint64(12345), mix(12345, 1))
}

// TestCountersCountEveryIncrement runs each guard with many goroutines at
// once (and under -race, checks that they really guard): no increment may
// be lost.
func TestCountersCountEveryIncrement(t *testing.T) {
	const goroutines, each = 8, 2000
	for _, rounds := range []int{0, 3} {
		t.Run(fmt.Sprintf("rounds=%d", rounds), func(t *testing.T) {
			mu, at, ch := new(mutexCounter), new(atomicCounter), newChanCounter()
			rw, sh := new(rwCounter), newShardedCounter(goroutines)
			var rwWrites atomic.Uint64
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					s := sh.shard()
					var i uint64
					for range each {
						mu.inc(rounds)
						at.inc(rounds)
						ch.inc(rounds)
						s.inc(rounds)
						rw.op(i, rounds)
						i++
					}
					rwWrites.Add(writesIn(i))
				})
			}
			wg.Wait()
			want := uint64(goroutines * each)
			assert.Equal(t, want, mu.count(), "mutex")
			assert.Equal(t, want, at.count(), "atomic")
			assert.Equal(t, want, ch.count(), "channel lock")
			assert.Equal(t, want, sh.count(), "sharded")
			assert.Equal(t, rwWrites.Load(), rw.count(), "rwmutex writes")
			assert.Equal(t, uint64(goroutines*each/readEvery), rw.count(), "one op in %d writes", readEvery)
		})
	}
}

func TestShardsGoOneToEachGoroutine(t *testing.T) {
	c := newShardedCounter(4)
	seen := map[*shard]bool{}
	for range 4 {
		seen[c.shard()] = true
	}
	assert.Len(t, seen, 4, "four goroutines get four different shards")
}
