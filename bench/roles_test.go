package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"multitask/internal/child"
	"multitask/internal/osthreads"
)

// The child roles: what a child process started by a benchmark runs. The
// test binary re-runs itself in one of these roles (TestMain calls
// child.Serve), so a child costs what a Go program of this size costs to
// start, like the lessons' own children.
const (
	roleNoop          = "bench-noop"
	roleIdle          = "bench-idle"
	rolePingPong      = "bench-pingpong"
	roleEcho          = "bench-echo"
	roleMemGoroutines = "bench-mem-goroutines"
	roleMemThreads    = "bench-mem-threads"
)

func init() {
	child.Register(roleNoop, func([]string) error { return nil })
	child.Register(roleIdle, idleRole)
	child.Register(rolePingPong, pingPongRole)
	child.Register(roleEcho, echoRole)
	child.Register(roleMemGoroutines, memGoroutinesRole)
	child.Register(roleMemThreads, memThreadsRole)
}

// idleRole says it is ready, then holds still until its stdin closes: a
// process that exists and does nothing, for measuring its memory.
func idleRole([]string) error {
	if _, err := fmt.Println("ready"); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, os.Stdin)
	return err
}

// pingPongRole is the child side of the process ping-pong: it reads the ball
// on descriptor 3 and sends it back on descriptor 4 until the parent closes
// its end. Its one argument is the CPU to pin to, or -1 to run free.
func pingPongRole(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one argument, the CPU or -1, got %q", args)
	}
	cpu, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("CPU: %w", err)
	}
	in, err := child.ExtraFile(0, "ping")
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := child.ExtraFile(1, "pong")
	if err != nil {
		return err
	}
	defer out.Close()
	// The reads and writes happen on this thread only, so pinning it pins
	// the whole ping-pong; it is never unlocked, as the process ends here.
	runtime.LockOSThread()
	if cpu >= 0 {
		if _, err := pinThread(cpu); err != nil {
			return err
		}
	}
	return serveBall(int(in.Fd()), int(out.Fd()))
}

// echoRole sends back every byte it receives until the parent closes the
// connection. Its first argument says over what: "pipe" (descriptors 3 and
// 4), "unix" (a socket on descriptor 3) or "tcp" (the address that follows).
func echoRole(args []string) error {
	if len(args) == 0 {
		return errors.New("want pipe, unix or tcp ADDRESS")
	}
	switch args[0] {
	case "pipe":
		in, err := child.ExtraFile(0, "in")
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := child.ExtraFile(1, "out")
		if err != nil {
			return err
		}
		defer out.Close()
		return echo(out, in)
	case "unix":
		f, err := child.ExtraFile(0, "socket")
		if err != nil {
			return err
		}
		conn, err := net.FileConn(f)
		f.Close() // FileConn made its own copy of the descriptor.
		if err != nil {
			return err
		}
		defer conn.Close()
		return echo(conn, conn)
	case "tcp":
		if len(args) != 2 {
			return errors.New("tcp: want the address to dial")
		}
		conn, err := net.Dial("tcp", args[1])
		if err != nil {
			return err
		}
		defer conn.Close()
		return echo(conn, conn)
	}
	return fmt.Errorf("unknown transport %q: want pipe, unix or tcp", args[0])
}

// echo copies r to w one read at a time, so each message goes back as soon
// as it arrives. io.Copy would do the same, but on Linux it may splice
// socket to socket inside the kernel, which is not the path a program that
// looks at its messages takes.
func echo(w io.Writer, r io.Reader) error {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// memGoroutinesRole starts N goroutines that park on a channel and prints
// how much the process's resident memory grew, as "BYTES UNITS". It runs in a
// fresh process because in a long-lived one exited goroutines are reused and
// the runtime sizes new stacks by the average it has seen so far.
func memGoroutinesRole(args []string) error {
	n, err := countArg(args)
	if err != nil {
		return err
	}
	return measureParked(n, false)
}

// memThreadsRole does the same with goroutines locked to their OS threads:
// a parked locked goroutine keeps its thread asleep, so N of them hold N
// threads. It reports the growth per thread the kernel counts in
// /proc/self/status, not per goroutine.
func memThreadsRole(args []string) error {
	n, err := countArg(args)
	if err != nil {
		return err
	}
	return measureParked(n, true)
}

func countArg(args []string) (int, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("want one argument, a count, got %q", args)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("count %q: want a whole number of at least 1", args[0])
	}
	return n, nil
}

func measureParked(n int, lockThreads bool) error {
	runtime.GC()
	rss0, err := selfRSS()
	if err != nil {
		return err
	}
	threads0, err := osthreads.Count()
	if err != nil {
		return err
	}

	release := make(chan struct{})
	var started, ended sync.WaitGroup
	started.Add(n)
	for range n {
		ended.Go(func() {
			if lockThreads {
				// Never unlocked: when the goroutine returns, its thread
				// exits with it instead of going back to the pool.
				runtime.LockOSThread()
			}
			started.Done()
			<-release
		})
	}
	started.Wait()

	rss1, err := selfRSS()
	if err != nil {
		return err
	}
	threads1, err := osthreads.Count()
	if err != nil {
		return err
	}
	close(release)
	ended.Wait()

	units := n
	if lockThreads {
		// Threads the runtime had already started and left idle are
		// taken too; their memory is in the baseline, so the growth is
		// divided by the threads that are new. Each also holds the
		// goroutine locked to it, whose stack is in the figure.
		units = threads1 - threads0
		if units < n/2 {
			return fmt.Errorf("%d locked goroutines hold only %d new threads", n, units)
		}
	}
	_, err = fmt.Printf("%d %d\n", rss1-rss0, units)
	return err
}

// The roles are tested end to end, as the benchmarks use them: started as
// child processes of the test binary.

func TestIdleChildWaitsForEndOfStdin(t *testing.T) {
	cmd, err := child.Command(t.Context(), roleIdle)
	require.NoError(t, err)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "ready\n", line)
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait(), "the idle child ends cleanly at end of file")
}

func TestPingPongChildReturnsTheBall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pinning needs Linux")
	}
	cpu, err := firstCPU()
	require.NoError(t, err)
	for _, cpuArg := range []int{-1, cpu} {
		t.Run(fmt.Sprintf("cpu=%d", cpuArg), func(t *testing.T) {
			there, err := newRawPipe()
			require.NoError(t, err)
			back, err := newRawPipe()
			require.NoError(t, err)
			defer there.closeWrite()
			defer back.closeRead()
			cmd, err := child.Command(t.Context(), rolePingPong, strconv.Itoa(cpuArg))
			require.NoError(t, err)
			cmd.ExtraFiles = []*os.File{fdFile(there.r, "ping"), fdFile(back.w, "pong")}
			require.NoError(t, cmd.Start())
			there.closeRead()
			back.closeWrite()
			for range 10 {
				require.NoError(t, hitBall(there.w, back.r))
			}
			there.closeWrite()
			require.NoError(t, cmd.Wait(), "end of file ends the child cleanly")
		})
	}
}

func TestPingPongChildRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{nil, {"x"}, {"1", "2"}} {
		assert.Error(t, pingPongRole(args), "args %q", args)
	}
}

func TestServeBallEndsAtEndOfFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("raw pipes need Unix")
	}
	there, err := newRawPipe()
	require.NoError(t, err)
	back, err := newRawPipe()
	require.NoError(t, err)
	defer back.closeRead()
	defer back.closeWrite()
	defer there.closeRead()
	served := make(chan error, 1)
	go func() { served <- serveBall(there.r, back.w) }()
	for range 100 {
		require.NoError(t, hitBall(there.w, back.r))
	}
	there.closeWrite()
	require.NoError(t, <-served)
	back.closeWrite()
	assert.Error(t, hitBall(there.w, back.r), "no partner, no round trip")
}

func TestEchoChildEchoes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("extra files need Unix")
	}
	t.Run("pipe", func(t *testing.T) {
		toR, toW, err := os.Pipe()
		require.NoError(t, err)
		fromR, fromW, err := os.Pipe()
		require.NoError(t, err)
		defer fromR.Close()
		cmd := echoCommand(t, []*os.File{toR, fromW}, "pipe")
		checkEcho(t, fromR, toW)
		require.NoError(t, toW.Close())
		require.NoError(t, cmd.Wait())
	})
	t.Run("unix", func(t *testing.T) {
		ours, theirs, err := socketPair()
		require.NoError(t, err)
		conn, err := net.FileConn(ours)
		ours.Close()
		require.NoError(t, err)
		defer conn.Close()
		cmd := echoCommand(t, []*os.File{theirs}, "unix")
		checkEcho(t, conn, conn)
		require.NoError(t, closeWrite(conn)())
		require.NoError(t, cmd.Wait())
	})
	t.Run("tcp", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		cmd := echoCommand(t, nil, "tcp", ln.Addr().String())
		conn, err := ln.Accept()
		require.NoError(t, err)
		defer conn.Close()
		checkEcho(t, conn, conn)
		require.NoError(t, closeWrite(conn)())
		require.NoError(t, cmd.Wait())
	})
	t.Run("unknown", func(t *testing.T) {
		assert.ErrorContains(t, echoRole([]string{"carrier-pigeon"}), "unknown transport")
		assert.Error(t, echoRole(nil))
		assert.Error(t, echoRole([]string{"tcp"}), "tcp needs an address")
	})
}

// echoCommand starts the echo child and closes the parent's copies of the
// files handed to it.
func echoCommand(t *testing.T, files []*os.File, args ...string) *exec.Cmd {
	cmd, err := child.Command(t.Context(), roleEcho, args...)
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	cmd.ExtraFiles = files
	err = cmd.Start()
	for _, f := range files {
		f.Close()
	}
	require.NoError(t, err)
	return cmd
}

func checkEcho(t *testing.T, r io.Reader, w io.Writer) {
	for _, msg := range []string{"hello", strings.Repeat("x", messageSize)} {
		_, err := io.WriteString(w, msg)
		require.NoError(t, err)
		got := make([]byte, len(msg))
		_, err = io.ReadFull(r, got)
		require.NoError(t, err)
		assert.Equal(t, msg, string(got))
	}
}

func TestMemoryChildrenReportPlausibleFigures(t *testing.T) {
	if _, err := selfRSS(); err != nil {
		t.Skip(err)
	}
	tests := []struct {
		role     string
		count    int
		min, max float64 // bytes per unit
	}{
		// A goroutine starts with a 2 KiB stack; a thread with the
		// runtime's stacks for it, tens of KiB. The bounds are wide: they
		// catch a figure off by a factor, not a change of a few percent.
		{roleMemGoroutines, 2000, 2 << 10, 16 << 10},
		{roleMemThreads, 20, 4 << 10, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			cmd, err := child.Command(t.Context(), tt.role, strconv.Itoa(tt.count))
			require.NoError(t, err)
			out, err := cmd.Output()
			require.NoError(t, err, "child: %v", childError(err))
			var grew, units float64
			_, err = fmt.Sscan(string(out), &grew, &units)
			require.NoError(t, err, "output %q", out)
			assert.Positive(t, units)
			perUnit := grew / units
			if raceEnabled {
				// The race detector shadows each goroutine's memory.
				tt.max *= 8
			}
			assert.True(t, perUnit >= tt.min && perUnit <= tt.max,
				"%s: %.0f bytes per unit, want %.0f to %.0f", tt.role, perUnit, tt.min, tt.max)
		})
	}
}

func TestCountArg(t *testing.T) {
	n, err := countArg([]string{"12"})
	require.NoError(t, err)
	assert.Equal(t, 12, n)
	for _, bad := range [][]string{nil, {"0"}, {"-3"}, {"x"}, {"1", "2"}} {
		_, err := countArg(bad)
		assert.Error(t, err, "args %q", bad)
	}
}
