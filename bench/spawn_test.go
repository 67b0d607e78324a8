package bench

import (
	"context"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"multitask/internal/child"
)

// BenchmarkSpawn measures starting one unit of work and waiting for it to
// end, one at a time (but for goroutine-batch-100): the cost of
// `Thread(...).start(); join()` or `Process(...).start(); join()` in the
// tutorial. The thread and process benchmarks also report
// goroutine-spawns/op: how many goroutine start-and-joins cost as much as
// one of their ops.
func BenchmarkSpawn(b *testing.B) {
	b.Run("goroutine", func(b *testing.B) {
		done := make(chan struct{})
		for b.Loop() {
			startAndJoinGoroutine(done)
		}
		recordGoroutineSpawn(b)
	})

	// The same, started a hundred at a time and then joined together: the
	// shape of the runtime's own BenchmarkCreateGoroutines, where no one
	// waits for each goroutine. Waiting for each one costs a goroutine
	// switch more per op, which is what separates the two figures.
	b.Run("goroutine-batch-100", func(b *testing.B) {
		var wg sync.WaitGroup
		started := 0
		for b.Loop() {
			wg.Go(func() {})
			if started++; started == 100 {
				wg.Wait()
				started = 0
			}
		}
		wg.Wait()
	})

	// A goroutine that locks its OS thread and returns without unlocking
	// takes the thread with it: the runtime ends the thread instead of
	// reusing it. So each of these creates and destroys one OS thread
	// (TestLockedGoroutineEndsItsThread checks that).
	b.Run("thread", func(b *testing.B) {
		perGoroutine := goroutineSpawnCost()
		done := make(chan struct{})
		for b.Loop() {
			go func() {
				runtime.LockOSThread()
				done <- struct{}{}
			}()
			<-done
		}
		reportSpawnRatio(b, perGoroutine)
	})

	// A tiny external program: fork+exec, the dynamic loader and exit.
	b.Run("process-exec-true", func(b *testing.B) {
		path, err := exec.LookPath("true")
		if err != nil {
			b.Skipf("no true(1) program to run: %v", err)
		}
		perGoroutine := goroutineSpawnCost()
		ctx := b.Context()
		for b.Loop() {
			if err := exec.CommandContext(ctx, path).Run(); err != nil {
				b.Fatalf("run %s: %v", path, err)
			}
		}
		reportSpawnRatio(b, perGoroutine)
	})

	// The Go way to run "a function of mine in a child process": re-run our
	// own binary in a child role. The Go runtime starts up in the child
	// before the role runs, which is the price of having no fork().
	b.Run("process-own-binary", func(b *testing.B) {
		perGoroutine := goroutineSpawnCost()
		ctx := b.Context()
		for b.Loop() {
			if err := runChild(ctx, roleNoop); err != nil {
				b.Fatal(err)
			}
		}
		reportSpawnRatio(b, perGoroutine)
	})
}

// startAndJoinGoroutine starts a goroutine that does nothing but say it
// is done, and waits for that. One channel hand-over is the cheapest join
// there is; a sync.WaitGroup costs about a fifth more, and the goroutine's
// own start and end are the figure wanted.
func startAndJoinGoroutine(done chan struct{}) {
	go func() { done <- struct{}{} }()
	<-done
}

// goroutineSpawns keeps what BenchmarkSpawn/goroutine measured in this
// process, so that the other spawn benchmarks can report their cost as a
// multiple of it.
var goroutineSpawns struct {
	sync.Mutex
	ns []float64
}

func recordGoroutineSpawn(b *testing.B) {
	goroutineSpawns.Lock()
	defer goroutineSpawns.Unlock()
	goroutineSpawns.ns = append(goroutineSpawns.ns, float64(b.Elapsed().Nanoseconds())/float64(b.N))
}

// goroutineSpawnCost is the median of the goroutine figures so far, in
// nanoseconds. When the goroutine benchmark did not run (-bench picked
// others), it times startAndJoinGoroutine for a fifth of a second first:
// long enough for the garbage collector to run, as it does during a
// benchmark, which a short batch would miss and come out too fast.
func goroutineSpawnCost() float64 {
	goroutineSpawns.Lock()
	defer goroutineSpawns.Unlock()
	if len(goroutineSpawns.ns) == 0 {
		done := make(chan struct{})
		start := time.Now()
		n := 0
		for time.Since(start) < 200*time.Millisecond {
			for range 1000 {
				startAndJoinGoroutine(done)
			}
			n += 1000
		}
		goroutineSpawns.ns = append(goroutineSpawns.ns, float64(time.Since(start).Nanoseconds())/float64(n))
	}
	ns := slices.Sorted(slices.Values(goroutineSpawns.ns))
	return ns[len(ns)/2]
}

func reportSpawnRatio(b *testing.B, perGoroutine float64) {
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perOp/perGoroutine, "goroutine-spawns/op")
}

// runChild starts this binary in a child role and waits for it.
func runChild(ctx context.Context, role string, args ...string) error {
	cmd, err := child.Command(ctx, role, args...)
	if err != nil {
		return err
	}
	return cmd.Run()
}
