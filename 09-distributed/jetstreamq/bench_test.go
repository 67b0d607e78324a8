package jetstreamq

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchTasks is how many tasks one run of the end-to-end benchmark puts,
// as in the rpc transport's benchmark.
const benchTasks = 20000

// BenchmarkEndToEnd runs the whole run for real: an embedded server, a
// master that puts benchTasks tasks and takes every result, and workers on
// connections of their own that square the numbers without sleeping. Every
// task and every result is acknowledged. With file storage every message
// is written to the store (not synced to the disk: see the README); memory
// storage shows what the files cost.
func BenchmarkEndToEnd(b *testing.B) {
	for _, storage := range []string{"file", "memory"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", storage, workers), func(b *testing.B) {
				var took time.Duration
				for b.Loop() {
					start := time.Now()
					oneRun(b, storage == "memory", workers, 0, benchTasks)
					took += time.Since(start)
				}
				b.ReportMetric(float64(benchTasks*b.N)/took.Seconds(), "tasks/s")
			})
		}
	}
}

// BenchmarkBatchSize shows what fetching in batches buys: the master and
// one worker fetch at most batch messages at a time (file storage). With
// batch=1 the worker also waits for each result's acknowledgement before it
// fetches the next task: one task per round trip.
func BenchmarkBatchSize(b *testing.B) {
	for _, batch := range []int{1, 16, 256, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			tasks := benchTasks
			if batch == 1 {
				tasks /= 10 // slow; the rate is what counts
			}
			var took time.Duration
			for b.Loop() {
				start := time.Now()
				oneRun(b, false, 1, batch, tasks)
				took += time.Since(start)
			}
			b.ReportMetric(float64(tasks*b.N)/took.Seconds(), "tasks/s")
		})
	}
}

// oneRun is a whole run: server, master, workers, every result taken.
// batch 0 means the default.
func oneRun(b *testing.B, memory bool, workers, batch, tasks int) {
	s, err := StartServer(ServerOptions{Key: testKey})
	require.NoError(b, err)
	defer s.Close()
	m, err := OpenMaster(b.Context(), s.URL(), testKey, MasterOptions{Memory: memory, Batch: batch})
	require.NoError(b, err)
	defer m.Close()
	var wg sync.WaitGroup
	for range workers {
		w, err := DialWorker(b.Context(), s.URL(), testKey, WorkerOptions{MaxBatch: batch})
		require.NoError(b, err)
		wg.Go(func() {
			defer w.Close()
			if err := work(b.Context(), w, time.Minute, nil); err != nil {
				b.Error(err)
			}
		})
	}
	putTasks(b, m, tasks)
	collect(b, m, tasks)
	require.NoError(b, m.Close()) // tells the workers
	wg.Wait()
}

// BenchmarkServerStart measures how long the embedded server takes to be
// ready for connections with JetStream on, on an empty store; Close is not
// counted.
func BenchmarkServerStart(b *testing.B) {
	var took time.Duration
	for b.Loop() {
		start := time.Now()
		s, err := StartServer(ServerOptions{Key: testKey})
		took += time.Since(start)
		require.NoError(b, err)
		b.StopTimer()
		require.NoError(b, s.Close())
		b.StartTimer()
	}
	b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/start")
}
