package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// lock is a mutual-exclusion lock made of a channel with room for one token:
// whoever puts the token in holds the lock, and taking it out releases it.
//
// The demo uses it instead of sync.Mutex for one reason: a goroutine waiting
// for a sync.Mutex cannot be told to give up, so a real deadlock on two
// sync.Mutexes can never be undone, only left hanging. A goroutine waiting
// here also listens to its context, so the watchdog can call the wait off and
// every goroutine can still return and release what it holds.
type lock chan struct{}

func newLock() lock { return make(lock, 1) }

// acquire waits for the lock until ctx ends, and then returns why it ended.
func (l lock) acquire(ctx context.Context) error {
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	// A wait once called off stays off. When the lock is free and ctx has
	// ended, select picks either case at random; and a lock can be free
	// only because its holder was called off. Without this check a
	// transfer could slip through after the watchdog gave up on them all.
	if ctx.Err() != nil {
		l.release()
		return context.Cause(ctx)
	}
	return nil
}

func (l lock) release() { <-l }

// account is a bank account guarded by its own lock; id fixes the order
// in which the fixed code takes locks.
type account struct {
	id      int
	name    string
	lock    lock
	balance int
}

// lockOrder decides which of the two accounts of a transfer is locked first.
type lockOrder func(from, to *account) (first, second *account)

// payerFirst locks the account the money leaves first. It looks natural,
// and it deadlocks as soon as two transfers go opposite ways at once: each
// holds its payer, and each waits for the other's.
func payerFirst(from, to *account) (first, second *account) { return from, to }

// lowerIDFirst is the fix: every goroutine takes the locks in one global
// order, so no two of them can each hold what the other is waiting for.
func lowerIDFirst(from, to *account) (first, second *account) {
	if from.id < to.id {
		return from, to
	}
	return to, from
}

// transfer is one goroutine's job: move amount from one account to the
// other.
type transfer struct {
	from, to *account
	amount   int
}

// move does one transfer with both locks held, taking them in the given
// order. between runs while only the first lock is held; the demo uses it to
// line the goroutines up, and it too must give up when ctx ends. An error
// says what was held and what was awaited.
func (t transfer) move(ctx context.Context, order lockOrder, between func(context.Context) error) error {
	first, second := order(t.from, t.to)
	if err := first.lock.acquire(ctx); err != nil {
		return fmt.Errorf("waited for %s: %w", first.name, err)
	}
	defer first.lock.release()
	if err := between(ctx); err != nil {
		return fmt.Errorf("held %s, waited at the rendezvous: %w; released %s", first.name, err, first.name)
	}
	if err := second.lock.acquire(ctx); err != nil {
		return fmt.Errorf("held %s, waited for %s: %w; released %s", first.name, second.name, err, first.name)
	}
	defer second.lock.release()
	t.from.balance -= t.amount
	t.to.balance += t.amount
	return nil
}

// rendezvous makes n goroutines wait until all of them have arrived, or
// until ctx ends. It cannot be a sync.WaitGroup (Done, then Wait): Wait
// cannot be called off, and a goroutine the watchdog stops before it
// arrives (a short -watchdog fires before both have their first lock)
// would leave the other waiting for it forever.
type rendezvous struct {
	missing atomic.Int32
	all     chan struct{} // closed when the last one arrives
}

func newRendezvous(n int) *rendezvous {
	r := &rendezvous{all: make(chan struct{})}
	r.missing.Store(int32(n))
	return r
}

// arrive counts the caller in and waits for the others until ctx ends.
func (r *rendezvous) arrive(ctx context.Context) error {
	if r.missing.Add(-1) == 0 {
		close(r.all)
	}
	select {
	case <-r.all:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// yield is the fixed run's between: it invites the other goroutine in at
// the worst moment, which with one lock order can only wait its turn.
func yield(context.Context) error {
	runtime.Gosched()
	return nil
}

// errNoProgress is why the watchdog calls off every lock wait.
var errNoProgress = errors.New("no progress")

// watch returns when done is closed (false) or when a whole period passes in
// which progress did not move (true): the goroutines are stuck. It is what a
// database does with a lock wait timeout; Go's runtime only notices a
// deadlock when every goroutine of the program is blocked.
func watch(ctx context.Context, done <-chan struct{}, progress *atomic.Int64, period time.Duration) (stuck bool) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	last := progress.Load()
	for {
		select {
		case <-done:
			return false
		case <-ctx.Done():
			return false
		case <-ticker.C:
		}
		select {
		case <-done: // Finished just as the period ended: that is progress.
			return false
		default:
		}
		now := progress.Load()
		if now == last {
			return true
		}
		last = now
	}
}

// runTransfers runs each transfer in its own goroutine, rounds times, under
// the watchdog. If the watchdog finds them stuck it cancels their lock waits
// with errNoProgress; either way every goroutine has returned, and released
// its locks, by the time runTransfers does. errs[i] is transfer i's error.
func runTransfers(ctx context.Context, transfers []transfer, rounds int, order lockOrder, between func(context.Context) error, period time.Duration) (stuck bool, errs []error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		progress atomic.Int64
		wg       sync.WaitGroup
	)
	errs = make([]error, len(transfers))
	for i, t := range transfers {
		wg.Go(func() {
			for range rounds {
				if err := t.move(ctx, order, between); err != nil {
					errs[i] = err
					return
				}
				progress.Add(1)
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	stuck = watch(ctx, done, &progress, period)
	if stuck {
		cancel(fmt.Errorf("%w within %v", errNoProgress, period))
	}
	<-done
	return stuck, errs
}

// fixedRounds is how often each goroutine transfers in the fixed version:
// enough for the two to meet at the locks many times.
const fixedRounds = 1000

// deadlockDemo makes two transfers between the same two accounts, in
// opposite directions at once, first with the payer's lock taken first (a
// deadlock, which the watchdog detects and breaks), then with one lock order
// for everyone (no deadlock however often they run).
func deadlockDemo(ctx context.Context, w io.Writer, period time.Duration) error {
	const start = 10_000
	alice := &account{id: 1, name: "alice", lock: newLock(), balance: start}
	bob := &account{id: 2, name: "bob", lock: newLock(), balance: start}
	transfers := []transfer{{alice, bob, 5}, {bob, alice, 8}}

	fmt.Fprintln(w, "deadlock: two transfers lock the account they take money from, then the other one")
	describe(w, transfers, 1, payerFirst)
	// Without this rendezvous the deadlock would need bad luck: the two
	// goroutines would have to take their first locks at the same moment.
	// With it, both surely hold one lock before either asks for the second,
	// the interleaving that makes deadlocks rare in tests and real in
	// production.
	held := newRendezvous(len(transfers))
	stuck, errs := runTransfers(ctx, transfers, 1, payerFirst, held.arrive, period)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if stuck {
		fmt.Fprintf(w, "watchdog: no transfer finished within %v: calling off every lock wait\n", period)
	}
	report(w, errs)
	fmt.Fprintf(w, "balances untouched: alice %d, bob %d; both goroutines have ended\n", alice.balance, bob.balance)

	fmt.Fprintln(w, "the fix: every transfer locks the account with the lower number first")
	describe(w, transfers, fixedRounds, lowerIDFirst)
	began := time.Now()
	stuck, errs = runTransfers(ctx, transfers, fixedRounds, lowerIDFirst, yield, period)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if stuck {
		fmt.Fprintf(w, "watchdog: no transfer finished within %v\n", period)
		report(w, errs)
		// One lock order cannot deadlock: what the watchdog saw is goroutines
		// kept off the CPUs for a whole period.
		return fmt.Errorf("the fixed lock order made no progress within %v: the machine kept its goroutines off the CPUs that long; try a longer -watchdog", period)
	}
	fmt.Fprintf(w, "both finished in %.1fms: alice %d, bob %d, total %d as before\n",
		float64(time.Since(began).Microseconds())/1000, alice.balance, bob.balance, alice.balance+bob.balance)
	return nil
}

// describe prints what each goroutine is about to do.
func describe(w io.Writer, transfers []transfer, rounds int, order lockOrder) {
	times := ""
	if rounds > 1 {
		times = fmt.Sprintf(" %d times", rounds)
	}
	for i, t := range transfers {
		first, second := order(t.from, t.to)
		fmt.Fprintf(w, "goroutine %d moves %d from %s to %s%s: locks %s, then %s\n",
			i+1, t.amount, t.from.name, t.to.name, times, first.name, second.name)
	}
}

// report prints how each goroutine ended.
func report(w io.Writer, errs []error) {
	for i, err := range errs {
		if err == nil {
			fmt.Fprintf(w, "goroutine %d: done\n", i+1)
			continue
		}
		fmt.Fprintf(w, "goroutine %d: %v\n", i+1, err)
	}
}
