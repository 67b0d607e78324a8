package main

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// wantDeadlockLines is the demo's output up to the fix's timing line, which
// varies; it depends on nothing else, so it is compared whole.
var wantDeadlockLines = []string{
	"deadlock: two transfers lock the account they take money from, then the other one",
	"goroutine 1 moves 5 from alice to bob: locks alice, then bob",
	"goroutine 2 moves 8 from bob to alice: locks bob, then alice",
	"watchdog: no transfer finished within 200ms: calling off every lock wait",
	"goroutine 1: held alice, waited for bob: no progress within 200ms; released alice",
	"goroutine 2: held bob, waited for alice: no progress within 200ms; released bob",
	"balances untouched: alice 10000, bob 10000; both goroutines have ended",
	"the fix: every transfer locks the account with the lower number first",
	"goroutine 1 moves 5 from alice to bob 1000 times: locks alice, then bob",
	"goroutine 2 moves 8 from bob to alice 1000 times: locks alice, then bob",
}

// TestDeadlockIsDetectedBrokenAndFixed runs -deadlock in a synctest bubble:
// the watchdog's 200ms pass on the fake clock once every goroutine is
// blocked, so the test takes no real time, and synctest.Test itself fails if
// any goroutine of the bubble is still blocked when the demo returns.
func TestDeadlockIsDetectedBrokenAndFixed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		start := time.Now()
		require.NoError(t, run(t.Context(), &out, []string{"-n", "100", "-deadlock"}))
		// Only the watchdog's wait moves the fake clock: one period for the
		// deadlock, none for the fixed order, which never stalls.
		assert.Equal(t, 200*time.Millisecond, time.Since(start))

		_, demo, found := strings.Cut(out.String(), "--- Go notes ---\n")
		require.True(t, found, "output:\n%s", out.String())
		i := strings.Index(demo, wantDeadlockLines[0])
		require.GreaterOrEqual(t, i, 0, "output:\n%s", out.String())
		lines := strings.Split(strings.TrimSuffix(demo[i:], "\n"), "\n")
		require.Len(t, lines, len(wantDeadlockLines)+1)
		assert.Equal(t, wantDeadlockLines, lines[:len(wantDeadlockLines)])
		// 1000 × (+8 - 5) for alice, the opposite for bob.
		assert.Regexp(t, `^both finished in \d+\.\dms: alice 13000, bob 7000, total 20000 as before$`, lines[len(lines)-1])
	})
}

// demoResult is what one deadlockDemo run on the real clock returned.
type demoResult struct {
	out string
	err error
}

// runDemoWithin runs deadlockDemo with the given watchdog period on the real
// clock, and fails the test if it has not returned within limit: something
// in it then waits for what the watchdog cannot call off.
func runDemoWithin(t *testing.T, period, limit time.Duration) demoResult {
	t.Helper()
	done := make(chan demoResult, 1)
	go func() {
		var out bytes.Buffer
		err := deadlockDemo(t.Context(), &out, period)
		done <- demoResult{out.String(), err}
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		t.Fatalf("deadlockDemo with a %v watchdog did not return within %v: a goroutine waits for something the watchdog cannot call off", period, limit)
		return demoResult{}
	}
}

// TestDeadlockDemoEndsOnTheRealClock runs the demo without a bubble, with a
// watchdog period of 100ms (long enough that a busy machine does not
// look like a deadlock), and checks that it ends and leaves no goroutine.
func TestDeadlockDemoEndsOnTheRealClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	r := runDemoWithin(t, 100*time.Millisecond, 30*time.Second)
	require.NoError(t, r.err)
	assert.Contains(t, r.out, "watchdog: no transfer finished within 100ms")
	assert.Contains(t, r.out, "total 20000 as before")
}

// TestDeadlockDemoEndsAtAnyWatchdogPeriod runs the demo many times on the
// real clock with periods far below -watchdog's lower bound, where the
// watchdog can fire before the goroutines have taken their first locks or
// met at the rendezvous. Whatever it interrupts, the demo must return, with
// every goroutine ended and no money moved in the deadlock part. (A
// rendezvous that could not be called off hung in about 4 runs of 10 at
// 1ns.) At these periods the fixed order is called off too, so the demo
// may fail: only that it ends is checked.
func TestDeadlockDemoEndsAtAnyWatchdogPeriod(t *testing.T) {
	defer goleak.VerifyNone(t)
	const runs = 20
	for _, period := range []time.Duration{time.Nanosecond, time.Microsecond, 10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond} {
		for range runs {
			r := runDemoWithin(t, period, 5*time.Second)
			require.Contains(t, r.out, "balances untouched: alice 10000, bob 10000; both goroutines have ended",
				"watchdog %v; error %v; output:\n%s", period, r.err, r.out)
		}
	}
}

// TestRendezvousGivesUpWhenCalledOff: a goroutine waiting at the rendezvous
// for one that never comes returns once ctx ends, with the cause.
func TestRendezvousGivesUpWhenCalledOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		held := newRendezvous(2)
		ctx, cancel := context.WithCancelCause(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- held.arrive(ctx) }()
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("arrive returned %v before the other goroutine came", err)
		default:
		}
		cancel(errNoProgress)
		require.ErrorIs(t, <-errc, errNoProgress)
	})
}

// TestWatchdog checks the watchdog alone: it keeps quiet while progress
// moves and speaks up after one period without any.
func TestWatchdog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var progress atomic.Int64
		done := make(chan struct{})
		stuck := make(chan bool)
		start := time.Now()
		go func() { stuck <- watch(t.Context(), done, &progress, time.Second) }()

		// Progress every half period, between the ticks, until 2.75s: no
		// alarm at the ticks at 1s, 2s and 3s.
		time.Sleep(250 * time.Millisecond)
		for range 6 {
			progress.Add(1)
			time.Sleep(500 * time.Millisecond)
		}
		// Then none: the alarm comes at the first tick that sees no
		// change, the one at 4s.
		assert.True(t, <-stuck)
		assert.Equal(t, 4*time.Second, time.Since(start))
		close(done)
	})
}

// TestWatchdogQuietWhenDone checks that finishing is not mistaken for being
// stuck, and that cancelling ctx (Ctrl-C) stops the watchdog too.
func TestWatchdogQuietWhenDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var progress atomic.Int64
		done := make(chan struct{})
		close(done)
		assert.False(t, watch(t.Context(), done, &progress, time.Second))

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		assert.False(t, watch(ctx, make(chan struct{}), &progress, time.Second))
	})
}

// TestDeadlockDemoStopsOnCancel checks that Ctrl-C during the deadlock ends
// the demo with the cancellation, every goroutine released.
func TestDeadlockDemoStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(50 * time.Millisecond) // the goroutines are deadlocked by now
			cancel()
		}()
		err := deadlockDemo(ctx, new(bytes.Buffer), time.Second)
		require.ErrorIs(t, err, context.Canceled)
	})
}
