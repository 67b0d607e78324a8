package eventloop

import (
	"runtime"
	"time"

	"multitask/internal/osthreads"
)

// peakSampler watches the goroutine count and the OS thread count of this
// process while a run is going on, and keeps the highest of each. Sampling
// every millisecond is plenty: the lesson's requests stay in flight for a
// whole delay, and the counts change slowly next to that.
type peakSampler struct {
	stop, done chan struct{}
	goroutines int
	threads    int // -1 where the system does not tell
}

func startPeakSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), done: make(chan struct{}), threads: -1}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			p.sample()
			select {
			case <-p.stop:
				p.sample()
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) sample() {
	p.goroutines = max(p.goroutines, runtime.NumGoroutine())
	if n, err := osthreads.Count(); err == nil {
		p.threads = max(p.threads, n)
	}
}

// Stop ends the sampling and returns the peaks.
func (p *peakSampler) Stop() (goroutines, threads int) {
	close(p.stop)
	<-p.done
	return p.goroutines, p.threads
}
