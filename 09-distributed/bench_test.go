package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
)

// BenchmarkEndToEnd measures the whole run over loopback TCP with -sleep 0:
// the master puts the tasks, the workers take them, square the numbers and
// return the results, and the master collects and prints every one (to
// io.Discard). Each iteration is a fresh run: listen, handshakes, the work,
// shutdown. The figure to read is tasks/s.
//
//	go test -run '^$' -bench . -benchtime 20x ./09-distributed
func BenchmarkEndToEnd(b *testing.B) {
	benchmarkRuns(b, 20_000, transports[defaultTransport].dial)
}

// BenchmarkOneTaskPerRoundTrip is the same run with batching turned off:
// each task is fetched in a request of its own and each result goes back in
// another, as with the proxies of Python's managers. It shows what the
// batching buys.
func BenchmarkOneTaskPerRoundTrip(b *testing.B) {
	benchmarkRuns(b, 2_000, func(ctx context.Context, addr string, key []byte) (taskq.Worker, error) {
		return rpcq.Dial(ctx, addr, key, rpcq.Options{MaxBatch: 1})
	})
}

// benchmarkRuns times runs of the given number of tasks with one worker and
// with two.
func benchmarkRuns(b *testing.B, tasks int, dial func(context.Context, string, []byte) (taskq.Worker, error)) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				runOnce(b, dial, workers, tasks)
			}
			b.ReportMetric(float64(tasks*b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}

// runOnce is one run of the master and its workers, in this process but
// over real sockets, through the same transport the commands use.
func runOnce(b *testing.B, dial func(context.Context, string, []byte) (taskq.Worker, error), workers, tasks int) {
	key := []byte("benchmark key")
	hub := taskq.NewHub(nil)
	srv, err := transports[defaultTransport].serve("127.0.0.1:0", key, hub, serveOptions{handshake: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			q, err := dial(ctx, srv.Addr().String(), key)
			if err != nil {
				b.Error(err)
				return
			}
			if err := work(ctx, io.Discard, q, 0, time.Minute); err != nil {
				b.Error(err)
			}
		})
	}
	if err := putAndCollect(ctx, io.Discard, hub, tasks, time.Minute); err != nil {
		b.Error(err)
	}
	if err := shutdown(hub, srv); err != nil {
		b.Error(err)
	}
	wg.Wait()
}
