package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
)

// queueWindow is how many tasks the batched variant keeps in flight: room for
// the worker's largest batch (256 tasks by default) and as many again
// waiting in the queue, so the worker never waits for the master to refill
// it. The lesson's master puts all its tasks first, which has the same effect.
const queueWindow = 1024

// benchmarkQueue measures the per-task cost of the 09-distributed queue over
// TCP loopback: the master side puts a task into its taskq.Hub, a worker
// takes it over an rpcq connection (net/rpc after the HMAC handshake),
// squares the number and hands the result back, and the master collects it.
// One op is one task. maxBatch is the worker's rpcq.Options.MaxBatch (1: one
// task per request and one result per request, as with Python's proxies; 0:
// the lesson's default batching and prefetch); inFlight is how many tasks
// the master keeps put and not yet collected. The worker is a goroutine of
// this process, as in 09-distributed's own benchmarks, but every task and
// result crosses a real socket.
func benchmarkQueue(b *testing.B, maxBatch, inFlight int) {
	key := []byte("bench key")
	hub := taskq.NewHub(nil)
	srv, err := rpcq.Listen("127.0.0.1:0", key, hub, rpcq.Options{})
	if err != nil {
		b.Skipf("no loopback TCP: %v", err)
	}
	// The worker's end cancels ctx, so that a master waiting for a result
	// from a worker that failed stops waiting.
	ctx, cancel := context.WithCancel(b.Context())
	var wg sync.WaitGroup
	defer func() {
		hub.Close() // the worker's next request hears "closed", and it hangs up
		wg.Wait()
		cancel()
		if err := srv.Close(); err != nil {
			b.Errorf("close the server: %v", err)
		}
	}()
	wg.Go(func() {
		defer cancel()
		if err := queueWorker(ctx, srv.Addr().String(), key, maxBatch); err != nil {
			b.Errorf("worker: %v", err)
		}
	})

	var put, got uint64 // task IDs put and collected so far
	putOne := func() error {
		put++
		return hub.PutTask(ctx, taskq.Task{ID: put, N: int(put % 10001)})
	}
	collectOne := func() error {
		r, ok, err := hub.GetResult(ctx, 10*time.Second)
		switch {
		case err != nil:
			return fmt.Errorf("get result: %w", err)
		case !ok:
			return fmt.Errorf("no result within 10s (%d tasks put, %d collected)", put, got)
		}
		// One worker takes the tasks in order and the hub keeps the order
		// of the results.
		if got++; r.TaskID != got {
			return fmt.Errorf("result for task %d, want task %d", r.TaskID, got)
		}
		return nil
	}
	op := func() error {
		if err := putOne(); err != nil {
			return fmt.Errorf("put task: %w", err)
		}
		return collectOne()
	}

	// Fill the window, then warm up: the connection, the codec's buffers,
	// and the batched worker's idea of how many tasks to ask for.
	for range inFlight - 1 {
		if err := putOne(); err != nil {
			b.Fatalf("put task: %v", err)
		}
	}
	for range max(warmUpRounds, 2*inFlight) {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err = op(); err != nil {
			break
		}
	}
	elapsed := b.Elapsed()
	if err != nil {
		b.Fatal(err)
	}
	for got < put { // the tasks still in flight, untimed
		if err := collectOne(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// queueWorker is 09-distributed's worker loop, without its printing: take a
// task, square its number, hand in the result, until the master closes the
// queues.
func queueWorker(ctx context.Context, addr string, key []byte, maxBatch int) (err error) {
	q, err := rpcq.Dial(ctx, addr, key, rpcq.Options{MaxBatch: maxBatch})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, q.Close()) }()
	for {
		t, ok, err := q.GetTask(ctx, time.Minute)
		switch {
		case errors.Is(err, taskq.ErrClosed):
			return nil
		case err != nil:
			return err
		case !ok:
			return errors.New("no task for a minute")
		}
		r := taskq.Result{TaskID: t.ID, Text: fmt.Sprintf("%d * %d = %d", t.N, t.N, t.N*t.N)}
		if err := q.PutResult(ctx, r); err != nil {
			if errors.Is(err, taskq.ErrClosed) {
				return nil
			}
			return err
		}
	}
}
