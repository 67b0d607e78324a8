package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"multitask/internal/child"
)

// BenchmarkMemory measures what a parked goroutine, a sleeping OS thread and
// an idle process hold in memory. ns/op is left out: these benchmarks
// report bytes, and the time they take is the time to set up a child.
//
// Each figure comes from a fresh child process. Inside the test binary the
// figures would be wrong: exited goroutines leave their stacks to be reused,
// and the runtime sizes new goroutine stacks by the average it has seen so
// far.
//
// The figures are resident memory (RSS from /proc), what the kernel has
// given the process. A thread also costs kernel memory that RSS does not
// show: its kernel stack (16 KiB on x86-64 Linux) and task structures.
func BenchmarkMemory(b *testing.B) {
	b.Run("goroutine", func(b *testing.B) {
		memoryPerUnit(b, roleMemGoroutines, 10000, "rss-B/goroutine")
	})
	b.Run("thread", func(b *testing.B) {
		memoryPerUnit(b, roleMemThreads, 200, "rss-B/thread")
	})
	// An idle child process: this test binary in the idle role. RSS counts
	// the pages it shares with its parent and siblings in full; PSS splits
	// each shared page between the processes sharing it, so PSS is what one
	// more process costs the machine.
	b.Run("process", processMemory)
}

// memoryPerUnit runs role with count in a fresh child once per op and
// reports the child's average growth in resident memory per unit.
func memoryPerUnit(b *testing.B, role string, count int, unit string) {
	if _, err := selfRSS(); err != nil {
		b.Skip(err)
	}
	var bytesPerUnit float64
	runs := 0
	for b.Loop() {
		cmd, err := child.Command(b.Context(), role, strconv.Itoa(count))
		if err != nil {
			b.Fatal(err)
		}
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("%s %d: %v", role, count, childError(err))
		}
		var grew, units int64
		if _, err := fmt.Sscan(string(out), &grew, &units); err != nil || units <= 0 {
			b.Fatalf("%s printed %q, want BYTES UNITS", role, out)
		}
		bytesPerUnit += float64(grew) / float64(units)
		runs++
	}
	b.ReportMetric(bytesPerUnit/float64(runs), unit)
	b.ReportMetric(0, "ns/op")
}

// idleChildren is how many idle children processMemory starts at once, so
// that what they share is split among several, as in a pool of workers.
const idleChildren = 4

func processMemory(b *testing.B) {
	if _, _, err := procMemory(os.Getpid()); err != nil {
		b.Skip(err)
	}
	var rss, pss int64
	measured := 0
	for b.Loop() {
		r, p, err := measureIdleChildren(b, idleChildren)
		if err != nil {
			b.Fatal(err)
		}
		rss += r
		pss += p
		measured += idleChildren
	}
	b.ReportMetric(float64(rss)/float64(measured), "rss-B/process")
	b.ReportMetric(float64(pss)/float64(measured), "pss-B/process")
	b.ReportMetric(0, "ns/op")
}

// measureIdleChildren starts n idle children, waits until each says it is
// ready, adds up their RSS and PSS once all of them run (so each shares its
// pages with the same number of processes), then lets them go and waits for
// them.
func measureIdleChildren(b *testing.B, n int) (rss, pss int64, err error) {
	type running struct {
		pid   int
		stdin io.Closer
		wait  func() error
	}
	var kids []running
	defer func() {
		for _, k := range kids {
			k.stdin.Close() // end of file on stdin ends the idle role.
			if werr := k.wait(); werr != nil && err == nil {
				err = fmt.Errorf("idle child: %w", childError(werr))
			}
		}
	}()
	for range n {
		cmd, err := child.Command(b.Context(), roleIdle)
		if err != nil {
			return 0, 0, err
		}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return 0, 0, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return 0, 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, 0, fmt.Errorf("start idle child: %w", err)
		}
		kids = append(kids, running{cmd.Process.Pid, stdin, cmd.Wait})
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "ready\n" {
			return 0, 0, fmt.Errorf("idle child %d said %q, want ready (%v)", cmd.Process.Pid, line, err)
		}
	}
	for _, k := range kids {
		r, p, err := procMemory(k.pid)
		if err != nil {
			return 0, 0, err
		}
		rss += r
		pss += p
	}
	return rss, pss, nil
}

// childError adds a failed child's stderr, which exec.Cmd.Output keeps, to
// its error.
func childError(err error) error {
	if exitErr, ok := errors.AsType[*exec.ExitError](err); ok && len(exitErr.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(exitErr.Stderr))
	}
	return err
}
