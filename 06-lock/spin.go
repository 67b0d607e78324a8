package main

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinResult is what one run of the busy loops measured.
type spinResult struct {
	loops     int           // busy loops started, one per CPU Go may use
	wall      time.Duration // from before the first loop started to after the last one ended
	cpu       time.Duration // CPU time the process used meanwhile
	wait      time.Duration // time its threads were ready but had no CPU (Linux only)
	waitKnown bool
}

// cpus is the CPU time divided by the wall time: how many CPUs were busy on
// average. CPython stays near 1 however many threads spin, because only the
// thread holding the GIL runs Python code.
func (r spinResult) cpus() float64 {
	return r.cpu.Seconds() / r.wall.Seconds()
}

// ready adds the time the threads waited for a CPU to the time they had
// one: on how many CPUs, on average, the process was ready to run. It stays
// near the number of loops on a machine that other processes keep busy,
// which cpus does not.
func (r spinResult) ready() float64 {
	return (r.cpu + r.wait).Seconds() / r.wall.Seconds()
}

// spin runs one busy loop per CPU that Go may use (GOMAXPROCS) for d, or
// until ctx ends, and measures the CPU time the process used meanwhile.
// With withGIL, every loop runs only while it holds one shared lock, as
// every CPython thread runs Python code only while it holds the GIL.
func spin(ctx context.Context, d time.Duration, withGIL bool) (spinResult, error) {
	r := spinResult{loops: runtime.GOMAXPROCS(0)}
	var stop atomic.Bool
	var wg sync.WaitGroup

	cpu0, err := processCPUTime()
	if err != nil {
		return spinResult{}, err
	}
	wait0, ok0 := runqueueWait()
	start := time.Now()
	loop := busyLoop
	if withGIL {
		loop = busyLoopUnderGIL
	}
	var gil sync.Mutex
	for range r.loops {
		wg.Go(func() { loop(&stop, &gil) })
	}
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-ctx.Done():
		timer.Stop()
	}
	stop.Store(true)
	wg.Wait()
	r.wall = time.Since(start)
	if ctx.Err() != nil {
		return spinResult{}, context.Cause(ctx)
	}
	cpu1, err := processCPUTime()
	if err != nil {
		return spinResult{}, err
	}
	wait1, ok1 := runqueueWait()
	r.cpu = cpu1 - cpu0
	r.wait, r.waitKnown = wait1-wait0, ok0 && ok1
	return r, nil
}

// busyLoop keeps one CPU busy until stop is set. The tutorial's loop flips a
// bit forever; this one only checks whether it is time to stop, which keeps
// a CPU just as busy.
func busyLoop(stop *atomic.Bool, _ *sync.Mutex) {
	for !stop.Load() {
	}
}

// switchInterval is how long a loop keeps the lock per turn under -gil:
// CPython's default switch interval (sys.getswitchinterval()), after which
// a thread that holds the GIL hands it to a thread that asked for it.
const switchInterval = 5 * time.Millisecond

// busyLoopUnderGIL is busyLoop that runs only while it holds gil, handing it
// over after each turn, the way CPython threads share the GIL. A loop waiting
// for its turn sleeps: it uses no CPU.
func busyLoopUnderGIL(stop *atomic.Bool, gil *sync.Mutex) {
	for !stop.Load() {
		gil.Lock()
		turn := time.Now()
		for !stop.Load() && time.Since(turn) < switchInterval {
		}
		gil.Unlock()
	}
}
