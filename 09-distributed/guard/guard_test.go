package guard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeConn is all of a connection the guard looks at: where it comes from,
// and whether it was closed.
type fakeConn struct {
	net.Conn // nil: the guard calls only the methods below
	addr     net.Addr
	once     sync.Once
	closed   chan struct{}
}

func conn(ip string, port int) *fakeConn {
	return &fakeConn{addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: port}, closed: make(chan struct{})}
}

func (c *fakeConn) RemoteAddr() net.Addr { return c.addr }

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *fakeConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// logged collects a guard's log lines.
type logged struct {
	mu    sync.Mutex
	lines []string
}

func (l *logged) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logged) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// matching counts the lines that contain s.
func (l *logged) matching(s string) int {
	n := 0
	for _, line := range l.all() {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

func admit(t *testing.T, g *Guard, c *fakeConn) *Ticket {
	t.Helper()
	tk, ok := g.Admit(c)
	require.True(t, ok, "%v was refused", c.addr)
	return tk
}

func TestAFullWaitingRoomCutsTheOldest(t *testing.T) {
	var log logged
	g := New(Config{MaxPending: 4, MaxPendingPerAddr: 2, DescriptorLimit: -1, Logf: log.logf})
	a1, a2, a3 := conn("10.0.0.1", 1), conn("10.0.0.1", 2), conn("10.0.0.1", 3)
	t1, t2 := admit(t, g, a1), admit(t, g, a2)
	admit(t, g, a3)
	assert.True(t, a1.isClosed(), "the oldest of the address makes room for its third connection")
	assert.True(t, t1.Cut())
	assert.ErrorIs(t, t1.Wait(t.Context()), ErrCut)
	assert.False(t, t1.Passed(), "a cut connection cannot pass any more")
	assert.False(t, a2.isClosed())

	b1, c1 := conn("10.0.0.2", 1), conn("10.0.0.3", 1)
	admit(t, g, b1)
	admit(t, g, c1) // the room holds 4 now: a2, a3, b1, c1
	d1 := conn("10.0.0.4", 1)
	admit(t, g, d1)
	assert.True(t, a2.isClosed(), "the oldest of all makes room for a new address")
	assert.True(t, t2.Cut())
	assert.False(t, b1.isClosed() || c1.isClosed() || d1.isClosed())
	assert.Equal(t, 1, log.matching("too many connections that have not proved the key"), "one line for the flood: %q", log.all())
}

func TestPassedAndClosedConnectionsLeaveTheRoom(t *testing.T) {
	g := New(Config{MaxPending: 2, DescriptorLimit: -1})
	first, second := conn("10.0.0.1", 1), conn("10.0.0.2", 1)
	t1, t2 := admit(t, g, first), admit(t, g, second)
	require.True(t, t1.Passed())
	t2.Done()
	t2.Done() // harmless
	third, fourth := conn("10.0.0.3", 1), conn("10.0.0.4", 1)
	admit(t, g, third)
	admit(t, g, fourth)
	assert.False(t, first.isClosed() || third.isClosed() || fourth.isClosed(), "two places were free: no one is cut")
	t1.Done()
}

func TestAFloodIsLoggedOncePerFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logged
		g := New(Config{MaxPendingPerAddr: 16, DescriptorLimit: -1, Logf: log.logf})
		flood := func() {
			for i := range 3000 {
				tk := admit(t, g, conn("10.0.0.1", i))
				t.Cleanup(tk.Done)
			}
		}
		flood()
		assert.Equal(t, 1, log.matching("too many connections"), "3000 silent connections make one line")
		time.Sleep(floodQuiet + time.Second)
		flood()
		assert.Equal(t, 2, log.matching("too many connections"), "after a quiet spell, a new flood is logged again")
		g.Report()
		// 2984 cut by the first flood, 3000 by the second (which cut the
		// first one's last 16 too).
		assert.Contains(t, log.all()[len(log.all())-1], "in all: 5984 connections cut or refused to make room")
	})
}

func TestTheReserveKeepsDescriptorsForWorkers(t *testing.T) {
	var log logged
	// 100 descriptors, 64 of them reserved: 36 may wait for a handshake.
	g := New(Config{MaxPending: 128, DescriptorLimit: 100, Reserve: 64, Logf: log.logf})
	var tickets []*Ticket
	var conns []*fakeConn
	for i := range 36 {
		c := conn(fmt.Sprintf("10.0.%d.1", i), 1)
		conns = append(conns, c)
		tickets = append(tickets, admit(t, g, c))
	}
	for _, c := range conns {
		require.False(t, c.isClosed(), "36 fit")
	}
	extra := conn("10.1.0.1", 1)
	extraTicket := admit(t, g, extra)
	assert.True(t, conns[0].isClosed(), "the 37th waiting connection would eat into the reserve")

	// Workers that pass take descriptors too; once they hold every one the
	// reserve leaves, nobody else may wait.
	require.False(t, extra.isClosed())
	for _, tk := range append(tickets[1:], extraTicket) {
		require.True(t, tk.Passed())
	}
	_, ok := g.Admit(conn("10.2.0.1", 1))
	assert.False(t, ok, "36 workers leave nothing to spare")
	_, ok = g.Admit(conn("10.2.0.2", 1))
	assert.False(t, ok)
	assert.Equal(t, 1, log.matching("no descriptors to spare"), "%q", log.all())
}

// attempt is one handshake from ip that fails: it waits its turn, then
// fails. It returns when the turn came.
func attempt(t *testing.T, g *Guard, ip string) time.Time {
	t.Helper()
	tk := admit(t, g, conn(ip, 1))
	defer tk.Done()
	require.NoError(t, tk.Wait(t.Context()))
	at := time.Now()
	tk.Refused(errors.New("wrong key"), true)
	return at
}

func TestFailedHandshakesWaitAGrowingTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log logged
		g := New(Config{FreeFailures: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second, DescriptorLimit: -1, Logf: log.logf})
		start := time.Now()
		var offsets []time.Duration
		for range 9 {
			offsets = append(offsets, attempt(t, g, "10.0.0.1").Sub(start))
		}
		ms := time.Millisecond
		assert.Equal(t, []time.Duration{0, 0, 0, 0, 250 * ms, 750 * ms, 1750 * ms, 3750 * ms, 7750 * ms}, offsets,
			"three free tries, then 250ms, doubling up to 4s")
		assert.Zero(t, time.Until(attempt(t, g, "10.0.0.2")), "another address is not slowed down")
		assert.Equal(t, 1, log.matching("handshakes from 10.0.0.1 now wait their turn (250ms apart"), "%q", log.all())
	})
}

func TestParallelGuessesFromOneAddressLineUp(t *testing.T) {
	// A guesser opens 16 connections at a time. After the first round, the
	// turns let one through every few seconds, however many are waiting.
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{DescriptorLimit: -1})
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		var mu sync.Mutex
		var times []time.Duration
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				// Bounded by count too: without turns, no bubble time would
				// pass and the loop would never see the deadline.
				for n := 0; n < 500 && ctx.Err() == nil; n++ {
					tk, ok := g.Admit(conn("10.0.0.1", i*1000+n))
					if !ok {
						continue
					}
					if tk.Wait(ctx) == nil {
						mu.Lock()
						times = append(times, time.Since(start))
						mu.Unlock()
						tk.Refused(errors.New("wrong key"), true)
					}
					tk.Done()
				}
			})
		}
		wg.Wait()
		late := 0
		for _, d := range times {
			if d > 0 {
				late++
			}
		}
		assert.LessOrEqual(t, len(times)-late, 16, "the first round is at most one per connection")
		// The turns come 250ms, 500ms, 1s, 2s, then 4s apart: at 0.25s,
		// 0.75s, 1.75s, 3.75s, 7.75s, 11.75s, 15.75s and 19.75s.
		assert.LessOrEqual(t, late, 8, "guesses after the first round: %v", times)
		assert.Positive(t, late, "a guesser is slowed down, not locked out")
	})
}

func TestASuccessOrTimeWipesTheSlate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{DescriptorLimit: -1})
		for range 6 {
			attempt(t, g, "10.0.0.1")
		}
		tk := admit(t, g, conn("10.0.0.1", 2))
		before := time.Now()
		require.NoError(t, tk.Wait(t.Context()))
		assert.Positive(t, time.Since(before), "six failures: this one waits")
		require.True(t, tk.Passed(), "then the right key")
		tk.Done()
		assert.Equal(t, time.Duration(0), durationOf(func() { attempt(t, g, "10.0.0.1") }), "the slate is clean")

		for range 6 {
			attempt(t, g, "10.0.0.3")
		}
		time.Sleep(10*time.Minute + time.Second)
		assert.Equal(t, time.Duration(0), durationOf(func() { attempt(t, g, "10.0.0.3") }), "forgotten after 10 minutes")
	})
}

func durationOf(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

func TestRefusalsOfAnAddressAreLoggedAFewTimes(t *testing.T) {
	var log logged
	g := New(Config{DescriptorLimit: -1, Logf: log.logf})
	for i := range 10 {
		tk := admit(t, g, conn("10.0.0.1", i))
		tk.Refused(errors.New("no handshake within 5s"), false)
		tk.Done()
	}
	lines := log.all()
	require.Len(t, lines, logBudget)
	assert.Equal(t, "refused 10.0.0.1:0: no handshake within 5s", lines[0])
	assert.Equal(t, "refused 10.0.0.1:3: no handshake within 5s; more refusals from 10.0.0.1 are counted, not logged", lines[3])
	g.Report()
	assert.Equal(t, "in all: 0 connections cut or refused to make room, 6 more refused handshakes not logged one by one", log.all()[logBudget])
}

func TestRememberedAddressesAreBounded(t *testing.T) {
	g := New(Config{MaxPending: 10, MaxAddrs: 100, DescriptorLimit: -1})
	for i := range 1000 {
		tk := admit(t, g, conn(fmt.Sprintf("10.0.%d.%d", i/250, i%250), 1))
		tk.Refused(errors.New("wrong key"), true)
		tk.Done()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	assert.LessOrEqual(t, len(g.addrs), 100)
}

func TestAcceptErrorsAreLoggedOncePerRun(t *testing.T) {
	var log logged
	g := New(Config{DescriptorLimit: -1, Logf: log.logf})
	emfile := errors.New("accept tcp 127.0.0.1:5000: accept4: too many open files")
	var last time.Duration
	for range 80 {
		last = g.AcceptFailed(emfile)
	}
	assert.Equal(t, time.Second, last, "the pause grows to a second")
	assert.Equal(t, []string{"accept: " + emfile.Error() + "; retrying with a growing pause, logged once until a connection gets in"}, log.all())
	tk := admit(t, g, conn("10.0.0.1", 1))
	tk.Done()
	assert.Equal(t, 5*time.Millisecond, g.AcceptFailed(emfile), "a new run starts small")
	assert.Len(t, log.all(), 2, "and is logged again")
}

func TestAddressesCountByHostOrNetwork(t *testing.T) {
	key := func(ip string, port int) string { return addrKey(&net.TCPAddr{IP: net.ParseIP(ip), Port: port}) }
	assert.Equal(t, "192.0.2.7", key("192.0.2.7", 1))
	assert.Equal(t, key("192.0.2.7", 1), key("::ffff:192.0.2.7", 2), "IPv4 in IPv6 is the same host")
	assert.Equal(t, "2001:db8:1:2::/64", key("2001:db8:1:2:aaaa::1", 1))
	assert.Equal(t, key("2001:db8:1:2::1", 1), key("2001:db8:1:2:ffff::9", 1), "one /64 is one address")
	assert.NotEqual(t, key("2001:db8:1:2::1", 1), key("2001:db8:1:3::1", 1))
}

func TestShortKeysAreWarnedAbout(t *testing.T) {
	assert.Equal(t, "the key is only 3 bytes long: a key that short can be guessed; use 16 or more random bytes, "+
		"e.g. AUTHKEY=$(head -c 32 /dev/urandom | base64)", ShortKeyWarning([]byte("abc")))
	assert.NotContains(t, ShortKeyWarning([]byte("abc")), "\n")
	assert.Empty(t, ShortKeyWarning([]byte("sixteen bytes ok")))
}
