package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"multitask/09-distributed/jetstreamq"
	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
	"multitask/internal/twin"
)

// BenchmarkEndToEnd measures the whole run over loopback TCP with -sleep 0,
// for each transport and for the tutorial's Python pair, side by side in
// one run: the master puts the tasks, the workers take them, square the
// numbers and return the results, and the master collects and prints every
// one (to io.Discard). Each iteration is a fresh run: the queues opened
// (for jetstream, an embedded broker with file storage in a temporary
// folder, every task and result acknowledged), handshakes, the work,
// shutdown. The figure to read is tasks/s.
//
//	go test -run '^$' -bench EndToEnd -benchtime 3x -count 3 ./09-distributed
func BenchmarkEndToEnd(b *testing.B) {
	const tasks = 20_000
	for _, name := range transportNames() {
		b.Run(name, func(b *testing.B) { benchmarkRuns(b, tasks, benchTransport(name)) })
	}
	// The broker's streams in memory instead of files: what the files cost.
	b.Run("jetstream-memory", func(b *testing.B) { benchmarkRuns(b, tasks, jetstreamInMemory()) })
	// task_master.py and task_worker.py, run by python3 on loopback. Each
	// iteration includes starting and stopping python3 and the manager's
	// server process, about half a second of several: the figure is mostly
	// the proxies', a request per get and per put. Skipped without python3.
	b.Run("python-twins", func(b *testing.B) { benchmarkPythonTwins(b, pythonPair{tasks: tasks}) })
	// The tutorial's scripts mixed with the Go port over -transport python:
	// the Go master with task_worker.py, and task_master.py with Go workers.
	b.Run("go-master+python-workers", func(b *testing.B) { benchmarkPythonTwins(b, pythonPair{tasks: tasks, goMaster: true}) })
	b.Run("python-master+go-workers", func(b *testing.B) { benchmarkPythonTwins(b, pythonPair{tasks: tasks, goWorkers: 2}) })
}

// BenchmarkOneTaskPerRoundTrip is the rpc run with batching turned off:
// each task is fetched in a request of its own and each result goes back in
// another, as with the proxies of Python's managers. It shows what the
// batching buys.
func BenchmarkOneTaskPerRoundTrip(b *testing.B) {
	rpc := benchTransport(defaultTransport)
	rpc.dial = func(ctx context.Context, o dialOptions) (taskq.Worker, error) {
		return rpcq.Dial(ctx, o.addr, o.key, rpcq.Options{MaxBatch: 1})
	}
	benchmarkRuns(b, 2_000, rpc)
}

// BenchmarkOpen is the start-up of the master's queues, and their
// shutdown: for rpc a listener, for jetstream an embedded broker with an
// empty store and the run's three streams.
func BenchmarkOpen(b *testing.B) {
	for _, name := range transportNames() {
		b.Run(name, func(b *testing.B) {
			tr := benchTransport(name)
			for b.Loop() {
				if err := tr.open(b).Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchmarkPythonTwins times runs of pair with one worker and with two.
func benchmarkPythonTwins(b *testing.B, pair pythonPair) {
	if _, err := twin.Python(); err != nil {
		b.Skip(err)
	}
	goWorkers := pair.goWorkers
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			pair.workers, pair.goWorkers = workers, min(goWorkers, workers)
			for b.Loop() {
				if err := pair.run(b.Context(), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(pair.tasks*b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}

// benchQueues opens a transport's queues and dials its workers on a free
// loopback port, with no lease to speak of (a benchmark's workers never
// stall) and nothing logged.
type benchQueues struct {
	openQueues func(ctx context.Context, o openOptions) (queues, error)
	dial       func(ctx context.Context, o dialOptions) (taskq.Worker, error)
	flags      func(command string) any
}

var benchKey = []byte("benchmark key")

func benchTransport(name string) benchQueues {
	tr := transports[name]
	return benchQueues{
		openQueues: tr.open,
		dial:       tr.dial,
		flags:      transportUnderTest{name: name}.flagsFor,
	}
}

func (q benchQueues) open(b *testing.B) queues { return q.openWith(b, benchKey) }

func (q benchQueues) openWith(b *testing.B, key []byte) queues {
	opened, err := q.openQueues(context.Background(), openOptions{
		addr: "127.0.0.1:0", key: key, lease: defaultLease, handshake: 5 * time.Second, flags: q.flags("master"),
	})
	if err != nil {
		b.Fatal(err)
	}
	return opened
}

// benchmarkRuns times runs of the given number of tasks with one worker and
// with two.
func benchmarkRuns(b *testing.B, tasks int, tr benchQueues) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				runOnce(b, tr, workers, tasks)
			}
			b.ReportMetric(float64(tasks*b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}

// runOnce is one run of the master and its workers, in this process but
// over real sockets, through the same transport the commands use.
func runOnce(b *testing.B, tr benchQueues, workers, tasks int) {
	ctx := context.Background()
	q := tr.open(b)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w, err := tr.dial(ctx, dialOptions{addr: q.Addr(), key: benchKey, flags: tr.flags("worker")})
			if err != nil {
				b.Error(err)
				return
			}
			if err := work(ctx, io.Discard, quiet, w, 0, time.Minute); err != nil {
				b.Error(err)
			}
		})
	}
	if err := putAndCollect(ctx, io.Discard, q, tasks, time.Minute); err != nil {
		b.Error(err)
	}
	if err := q.Close(); err != nil {
		b.Error(err)
	}
	wg.Wait()
}

// openForBench opens the default transport's queues, for the benchmarks of
// the rpc master under abuse.
func openForBench(b *testing.B, key []byte) queues {
	return benchTransport(defaultTransport).openWith(b, key)
}

// The benchmarks below measure the master under abuse, for the figures in
// the README: an honest worker's pace with and without a crowd of silent
// connections, how fast one address can guess keys, and how much memory
// connections that announce big frames and send nothing more can pin.
//
//	go test -run '^$' -bench 'Flood|Guesses|FrameAttack' -benchtime 1x ./09-distributed

// BenchmarkHonestUnderSilentFlood is one honest worker doing 20,000 tasks
// while silent connections (they connect and never say a word) are held
// open to the master. The clock runs from the worker's dial to the last
// result.
func BenchmarkHonestUnderSilentFlood(b *testing.B) {
	const tasks = 20_000
	for _, silent := range []int{0, 1000} {
		b.Run(fmt.Sprintf("silent=%d", silent), func(b *testing.B) {
			var busy time.Duration
			for b.Loop() {
				busy += floodRun(b, silent, tasks)
			}
			b.ReportMetric(float64(tasks*b.N)/busy.Seconds(), "tasks/s")
		})
	}
}

// floodRun serves a fresh hub, opens the silent connections, then times one
// worker through the run.
func floodRun(b *testing.B, silent, tasks int) time.Duration {
	key := []byte("benchmark key")
	q := openForBench(b, key)
	addr := q.Addr()
	var held []net.Conn
	for range silent {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			b.Fatalf("silent connection %d: %v", len(held)+1, err)
		}
		held = append(held, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() {
		w, err := transports[defaultTransport].dial(ctx, dialOptions{addr: addr, key: key})
		if err != nil {
			b.Error(err)
			return
		}
		if err := work(ctx, io.Discard, quiet, w, 0, time.Minute); err != nil {
			b.Error(err)
		}
	})
	if err := putAndCollect(ctx, io.Discard, q, tasks, time.Minute); err != nil {
		b.Error(err)
	}
	took := time.Since(start)
	if err := q.Close(); err != nil {
		b.Error(err)
	}
	wg.Wait()
	for _, c := range held {
		c.Close()
	}
	return took
}

// BenchmarkWrongKeyGuesses is an online guesser: 16 connections at a time
// from one address, each trying a wrong key, for 3 seconds. The figure is
// guesses/s: how many keys one address can try against the master.
func BenchmarkWrongKeyGuesses(b *testing.B) {
	const window = 3 * time.Second
	var guesses atomic.Int64
	var spent time.Duration
	for b.Loop() {
		q := openForBench(b, []byte("zzz"))
		ctx, cancel := context.WithTimeout(context.Background(), window)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				for n := 0; ctx.Err() == nil; n++ {
					guess := []byte(fmt.Sprintf("g%02d%05d", i, n))
					_, err := rpcq.Dial(ctx, q.Addr(), guess, rpcq.Options{})
					if errors.Is(err, wire.ErrAuth) {
						guesses.Add(1)
					}
				}
			})
		}
		start := time.Now()
		wg.Wait()
		spent += time.Since(start)
		cancel()
		_ = q.Close()
	}
	b.ReportMetric(float64(guesses.Load())/spent.Seconds(), "guesses/s")
}

// BenchmarkFrameAttackMemory is 300 connections of a key holder, each
// announcing a frame just under the 1 MiB limit and sending one byte of it.
// peak-MB is how far the heap rose above where it started while the frames
// hung; held-s is how long until the master had dropped them all (capped at
// 15 s).
func BenchmarkFrameAttackMemory(b *testing.B) {
	const conns = 300
	key := []byte("benchmark key")
	var peak uint64
	var held time.Duration
	for b.Loop() {
		q := openForBench(b, key)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		var cs []net.Conn
		for range conns {
			c, err := net.Dial("tcp", q.Addr())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := wire.Client(c, key); err != nil {
				b.Fatal(err)
			}
			if _, err := c.Write(append(binary.BigEndian.AppendUint32(nil, wire.DefaultMaxFrame-1), 'x')); err != nil {
				b.Fatal(err)
			}
			cs = append(cs, c)
		}
		start := time.Now()
		// Sample the heap for a second: the master's readers allocate as the
		// headers arrive.
		for time.Since(start) < time.Second {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base {
				peak = max(peak, ms.HeapAlloc-base)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// How long the master keeps them: each read ends when it drops one.
		var wg sync.WaitGroup
		for _, c := range cs {
			_ = c.SetReadDeadline(start.Add(15 * time.Second))
			wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
		}
		wg.Wait()
		held = max(held, time.Since(start))
		for _, c := range cs {
			c.Close()
		}
		_ = q.Close()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(held.Seconds(), "held-s")
}

// jetstreamInMemory is the jetstream transport with the broker's streams
// in memory: an embedded server and a master with MasterOptions.Memory.
func jetstreamInMemory() benchQueues {
	tr := benchTransport("jetstream")
	tr.openQueues = func(ctx context.Context, o openOptions) (queues, error) {
		srv, err := jetstreamq.StartServer(jetstreamq.ServerOptions{Addr: o.addr, Key: o.key})
		if err != nil {
			return nil, err
		}
		m, err := jetstreamq.OpenMaster(ctx, srv.URL(), o.key, jetstreamq.MasterOptions{AckWait: o.lease, Memory: true})
		if err != nil {
			return nil, errors.Join(err, srv.Close())
		}
		return &brokerQueues{m: m, srv: srv, url: srv.URL()}, nil
	}
	return tr
}
