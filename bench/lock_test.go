package bench

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// BenchmarkLock measures one counter shared by 1 to 16 goroutines and
// guarded five ways, with an empty critical section (just the increment)
// and a busy one (mix over the new value, about a hundred nanoseconds of
// arithmetic, inside the section). ns/op is wall time divided by all the
// operations of all the goroutines: below the one-goroutine figure means the
// goroutines really ran in parallel, above it means they queued.
//
// GOMAXPROCS is set for each case to the number of goroutines, up to the
// number of CPUs, so that one goroutine means one CPU and more goroutines
// than CPUs means goroutines waiting for a CPU as well as for the guard.
func BenchmarkLock(b *testing.B) {
	kinds := []struct {
		name string
		run  lockRun
	}{
		{"mutex", lockMutex},
		{"rwmutex-read-mostly", lockRWMutex},
		{"atomic", lockAtomic},
		{"chan-as-lock", lockChan},
		{"sharded", lockSharded},
	}
	for _, k := range kinds {
		for _, section := range []struct {
			name   string
			rounds int
		}{{"empty", 0}, {"busy", busyRounds}} {
			for _, g := range []int{1, 2, 4, 8, 16} {
				name := fmt.Sprintf("%s/section=%s/goroutines=%d", k.name, section.name, g)
				b.Run(name, func(b *testing.B) {
					parallel(b, g)
					loop, count := k.run(g)
					var increments atomic.Uint64
					b.RunParallel(func(pb *testing.PB) {
						acc, incs := loop(pb, section.rounds)
						sink.Add(acc)
						increments.Add(incs)
					})
					if got, want := count(), increments.Load(); got != want {
						b.Fatalf("%s counted %d, want %d: the guard let updates through", k.name, got, want)
					}
				})
			}
		}
	}
}

// A lockRun makes a shared counter for goroutines goroutines and returns
// one goroutine's loop, which reports the xor of its results and how many
// increments it made, and the counter's final count. Each kind writes its
// loop out so that it calls its counter's methods on a concrete type, which
// the compiler inlines: an indirect call per operation would be a good part
// of the figure.
type lockRun func(goroutines int) (loop func(pb *testing.PB, rounds int) (acc, incs uint64), count func() uint64)

// busyRounds of mix make the busy critical section: about 100 ns on a
// current x86-64 CPU. The section=busy/goroutines=1 figure minus the
// section=empty one shows what it is on yours.
const busyRounds = 40

// sink receives every goroutine's accumulated results, so the work in the
// critical sections has an observable effect and stays in the program.
var sink atomic.Uint64

// parallel makes the next b.RunParallel run exactly goroutines goroutines:
// it sets GOMAXPROCS to the largest divisor of goroutines that is at most
// the number of CPUs (RunParallel starts parallelism × GOMAXPROCS
// goroutines) and restores GOMAXPROCS when b ends.
func parallel(b *testing.B, goroutines int) {
	procs := procsFor(goroutines, runtime.NumCPU())
	old := runtime.GOMAXPROCS(procs)
	b.Cleanup(func() { runtime.GOMAXPROCS(old) })
	b.SetParallelism(goroutines / procs)
}

// procsFor is the largest divisor of goroutines that is at most cpus.
func procsFor(goroutines, cpus int) int {
	for p := min(goroutines, cpus); p > 1; p-- {
		if goroutines%p == 0 {
			return p
		}
	}
	return 1
}

func lockMutex(int) (func(*testing.PB, int) (uint64, uint64), func() uint64) {
	c := new(mutexCounter)
	return func(pb *testing.PB, rounds int) (acc, incs uint64) {
		if rounds == 0 {
			// Written out rather than c.inc(0), which is too big to
			// inline: the call would add a tenth to the uncontended
			// figure, the one compared with the sync package's own
			// BenchmarkMutexUncontended.
			for pb.Next() {
				c.mu.Lock()
				c.n++
				c.mu.Unlock()
				incs++
			}
			return 0, incs
		}
		for pb.Next() {
			acc ^= c.inc(rounds)
			incs++
		}
		return acc, incs
	}, c.count
}

func lockRWMutex(int) (func(*testing.PB, int) (uint64, uint64), func() uint64) {
	c := new(rwCounter)
	return func(pb *testing.PB, rounds int) (acc, incs uint64) {
		var i uint64
		for pb.Next() {
			acc ^= c.op(i, rounds)
			i++
		}
		return acc, writesIn(i)
	}, c.count
}

func lockAtomic(int) (func(*testing.PB, int) (uint64, uint64), func() uint64) {
	c := new(atomicCounter)
	return func(pb *testing.PB, rounds int) (acc, incs uint64) {
		for pb.Next() {
			acc ^= c.inc(rounds)
			incs++
		}
		return acc, incs
	}, c.count
}

func lockChan(int) (func(*testing.PB, int) (uint64, uint64), func() uint64) {
	c := newChanCounter()
	return func(pb *testing.PB, rounds int) (acc, incs uint64) {
		for pb.Next() {
			acc ^= c.inc(rounds)
			incs++
		}
		return acc, incs
	}, c.count
}

func lockSharded(goroutines int) (func(*testing.PB, int) (uint64, uint64), func() uint64) {
	c := newShardedCounter(goroutines)
	return func(pb *testing.PB, rounds int) (acc, incs uint64) {
		s := c.shard()
		for pb.Next() {
			acc ^= s.inc(rounds)
			incs++
		}
		return acc, incs
	}, c.count
}

func TestProcsFor(t *testing.T) {
	tests := []struct{ goroutines, cpus, want int }{
		{1, 2, 1}, {2, 2, 2}, {4, 2, 2}, {16, 2, 2},
		{1, 8, 1}, {4, 8, 4}, {16, 8, 8},
		{8, 6, 4}, {6, 4, 3}, {7, 4, 1}, {3, 1, 1},
	}
	for _, tt := range tests {
		got := procsFor(tt.goroutines, tt.cpus)
		assert.Equal(t, tt.want, got, "procsFor(%d, %d)", tt.goroutines, tt.cpus)
		assert.Zero(t, tt.goroutines%got, "RunParallel must start exactly %d goroutines", tt.goroutines)
	}
}
