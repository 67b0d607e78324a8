package bench

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"multitask/internal/child"
)

// BenchmarkSwitch measures context switches by ping-pong: two partners pass
// a ball back and forth, and only one can run at a time. One op is a round
// trip, which is two switches; each benchmark also reports ns/switch.
//
// "pinned" puts both partners on one CPU, so each switch is the CPU going
// from one to the other; "free" lets the kernel place them, so a switch may
// be a wake-up sent to another CPU. On some machines the two differ by an
// order of magnitude, so both are measured.
func BenchmarkSwitch(b *testing.B) {
	// Goroutines over an unbuffered channel: the Go scheduler switches
	// between them in user space, without the kernel. With GOMAXPROCS=1 the
	// two share one thread; with more, the runtime may still keep them on one
	// thread, because a goroutine woken by a channel operation runs next on
	// the waker's P.
	for _, procs := range []int{1, runtime.NumCPU()} {
		b.Run(procsName("goroutines-chan", procs), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			chanPingPong(b)
		})
	}

	// runtime.Gosched yields to the other runnable goroutine; on one P the
	// two alternate, a switch each time one yields.
	b.Run("goroutines-gosched/procs=1", func(b *testing.B) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		goschedPingPong(b)
	})

	// Two goroutines locked to their own OS threads, over channels: every
	// hand-over must wake the other thread, through the Go scheduler.
	for _, pinned := range []bool{false, true} {
		b.Run("threads-locked-chan/"+placement(pinned), func(b *testing.B) {
			lockedChanPingPong(b, pinned)
		})
	}

	// Two OS threads over two pipes with blocking read(2) and write(2): what
	// the kernel charges to switch threads, the same mechanism as the
	// process ping-pong below, so the two differ only in the address space
	// switch.
	for _, pinned := range []bool{false, true} {
		b.Run("threads-pipe/"+placement(pinned), func(b *testing.B) {
			threadPipePingPong(b, pinned)
		})
	}

	// Parent and child processes over two pipes, the same way.
	for _, pinned := range []bool{false, true} {
		b.Run("processes-pipe/"+placement(pinned), func(b *testing.B) {
			processPipePingPong(b, pinned)
		})
	}
}

func placement(pinned bool) string {
	if pinned {
		return "pinned"
	}
	return "free"
}

// reportSwitch adds ns/switch: a round trip is two switches.
func reportSwitch(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2, "ns/switch")
}

func chanPingPong(b *testing.B) {
	ping, pong := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range ping {
			pong <- struct{}{}
		}
	})
	defer wg.Wait()
	defer close(ping)
	warmUp(func() { ping <- struct{}{}; <-pong })
	for b.Loop() {
		ping <- struct{}{}
		<-pong
	}
	reportSwitch(b)
}

func goschedPingPong(b *testing.B) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	})
	defer wg.Wait()
	defer close(stop)
	warmUp(runtime.Gosched)
	for b.Loop() {
		// Gosched here runs the partner, whose Gosched runs us again.
		runtime.Gosched()
	}
	reportSwitch(b)
}

func lockedChanPingPong(b *testing.B, pinned bool) {
	cpu := pinCPU(b, pinned)
	ping, pong := make(chan struct{}), make(chan struct{})
	wait, err := startLockedPartner(cpu, func() error {
		for range ping {
			pong <- struct{}{}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	defer wait()
	defer close(ping)
	defer lockAndPin(b, cpu)()
	warmUp(func() { ping <- struct{}{}; <-pong })
	for b.Loop() {
		ping <- struct{}{}
		<-pong
	}
	reportSwitch(b)
}

func threadPipePingPong(b *testing.B, pinned bool) {
	cpu := pinCPU(b, pinned)
	there, back := rawPipes(b)
	wait, err := startLockedPartner(cpu, func() error { return serveBall(there.r, back.w) })
	if err != nil {
		b.Fatal(err)
	}
	stop := func() error {
		// End of file on "there" ends the partner's loop.
		there.closeWrite()
		return wait()
	}
	defer stop()
	func() {
		defer lockAndPin(b, cpu)()
		pingPongLoop(b, there.w, back.r)
	}()
	if err := stop(); err != nil {
		b.Fatalf("ping-pong partner: %v", err)
	}
}

func processPipePingPong(b *testing.B, pinned bool) {
	cpu := pinCPU(b, pinned)
	there, back := rawPipes(b)
	cmd, err := child.Command(b.Context(), rolePingPong, strconv.Itoa(cpu))
	if err != nil {
		b.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{fdFile(there.r, "ping"), fdFile(back.w, "pong")}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start child: %v", err)
	}
	// The child has its own copies now. Ours must go, or the child would
	// never see end of file, nor we a child that died.
	there.closeRead()
	back.closeWrite()
	stop := sync.OnceValue(func() error {
		there.closeWrite()
		return cmd.Wait()
	})
	defer stop()
	func() {
		defer lockAndPin(b, cpu)()
		pingPongLoop(b, there.w, back.r)
	}()
	if err := stop(); err != nil {
		b.Fatalf("ping-pong child: %v", err)
	}
}

// pingPongLoop plays the active side over raw pipes: warm up, then one round
// trip per op.
func pingPongLoop(b *testing.B, out, in int) {
	for range warmUpRounds {
		if err := hitBall(out, in); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err := hitBall(out, in); err != nil {
			b.Fatal(err)
		}
	}
	reportSwitch(b)
}

// warmUpRounds round trips run before the timer starts: they fault in the
// stacks and buffers, and let the kernel and the Go scheduler settle where
// the partners run.
const warmUpRounds = 100

func warmUp(roundTrip func()) {
	for range warmUpRounds {
		roundTrip()
	}
}

func procsName(name string, procs int) string {
	return name + "/procs=" + strconv.Itoa(procs)
}

// pinCPU is the CPU a pinned benchmark puts both partners on, or -1 for a
// free one. Where threads cannot be pinned, the pinned benchmark skips.
func pinCPU(b *testing.B, pinned bool) int {
	if !pinned {
		return -1
	}
	cpu, err := firstCPU()
	if err != nil {
		b.Skip(err)
	}
	return cpu
}

// lockAndPin locks the benchmark's goroutine to its OS thread and pins the
// thread to cpu (unless cpu is -1). The function it returns undoes both.
func lockAndPin(b *testing.B, cpu int) (undo func()) {
	runtime.LockOSThread()
	if cpu < 0 {
		return runtime.UnlockOSThread
	}
	restore, err := pinThread(cpu)
	if err != nil {
		runtime.UnlockOSThread()
		b.Fatal(err)
	}
	return func() {
		if err := restore(); err != nil {
			// Staying locked makes the thread exit with this goroutine
			// rather than run other goroutines on one CPU.
			b.Errorf("unpin the benchmark thread: %v", err)
			return
		}
		runtime.UnlockOSThread()
	}
}

// startLockedPartner runs fn on a new goroutine locked to its own OS thread,
// pinned to cpu unless cpu is -1, and returns once that thread is set up.
// The goroutine never unlocks, so its thread, pin included, ends with it.
// wait waits for fn to return and gives its error.
func startLockedPartner(cpu int, fn func() error) (wait func() error, err error) {
	setUp := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if cpu >= 0 {
			if _, err := pinThread(cpu); err != nil {
				setUp <- err
				return
			}
		}
		setUp <- nil
		done <- fn()
	}()
	if err := <-setUp; err != nil {
		return nil, err
	}
	return sync.OnceValue(func() error { return <-done }), nil
}

// rawPipes returns two raw pipes, one each way, closed when b ends.
func rawPipes(b *testing.B) (there, back *rawPipe) {
	var pipes [2]*rawPipe
	for i := range pipes {
		p, err := newRawPipe()
		if err != nil {
			b.Skip(err)
		}
		pipes[i] = &p
		b.Cleanup(func() {
			p := pipes[i]
			p.closeRead()
			p.closeWrite()
		})
	}
	return pipes[0], pipes[1]
}
