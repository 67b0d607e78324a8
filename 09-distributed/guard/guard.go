// Package guard keeps a master that listens on the network up under hostile
// load. A transport's server asks it about every connection from the moment
// it is accepted until it has proved the key; after that the connection is
// the transport's business (frame limits, deadlines, calls in flight).
//
// The rules, all about connections that have not proved the key yet:
//
//   - At most MaxPending of them wait for their handshake at once, and at
//     most MaxPendingPerAddr from one source address. When either room is
//     full, the oldest waiting connection (of that address, or of all) is
//     cut to make room for the new one. A flood of silent connections then
//     cycles through the room in a moment, while an honest worker, which
//     answers at once, passes.
//   - The waiting room never takes the last Reserve open descriptors of the
//     process: those stay for workers that have proved the key, and for the
//     process's own files.
//   - After FreeFailures failed handshakes from one address, its handshakes
//     wait their turn: one per BaseDelay, the delay doubling with every
//     further failure up to MaxDelay, however many connections the address
//     opens at once. A wrong key costs a guesser seconds, not microseconds.
//     A success, or Forget without a failure, wipes the slate.
//   - A flood is logged once, not once per connection; so is a run of
//     accept errors (out of descriptors, say); and an address's refusals are
//     logged a few times, then only counted.
//
// The same rules serve any transport that listens for connections: each
// knows only [Guard.Admit] and the [Ticket] it returns.
package guard

import (
	"container/list"
	"fmt"
	"net"
	"sync"
	"time"
)

// Config sets the limits; the zero value of a field means its default.
type Config struct {
	// MaxPending bounds the connections waiting for their handshake (256).
	MaxPending int
	// MaxPendingPerAddr bounds those from one source address (64: as many
	// workers as the demo starts at most may shake hands at once from one
	// machine). IPv6 addresses count by their /64 network, which one host
	// may own whole.
	MaxPendingPerAddr int
	// Reserve is how many open descriptors the waiting room leaves alone
	// (the larger of 64 and an eighth of the process's limit).
	Reserve int
	// DescriptorLimit is the process's limit on open descriptors (read from
	// the system, RLIMIT_NOFILE on Unix; tests set it). Negative means none.
	DescriptorLimit int
	// FreeFailures is how many failed handshakes an address may have before
	// it is slowed down (3): a person who mistypes the key is not punished.
	FreeFailures int
	// BaseDelay is the first delay between two handshakes of a slowed-down
	// address (250ms), MaxDelay the most it grows to (4s: less than a
	// worker's handshake timeout, so that an honest worker at that address
	// still gets its turn in time).
	BaseDelay, MaxDelay time.Duration
	// Forget is how long an address must go without a failure before its
	// failures are forgotten (10m).
	Forget time.Duration
	// MaxAddrs bounds the addresses remembered at once (4096), so that many
	// addresses cannot make the guard's memory grow without end.
	MaxAddrs int
	// Logf is told what the guard refuses, in one line each time it is
	// worth a line. Nil logs nothing.
	Logf func(format string, args ...any)
}

// logBudget is how many refusals of one address are logged in full.
const logBudget = 4

// floodQuiet is how long no connection must be cut for a flood to be over,
// so that the next one is logged again.
const floodQuiet = 30 * time.Second

func (c Config) withDefaults() Config {
	if c.MaxPending <= 0 {
		c.MaxPending = 256
	}
	if c.MaxPendingPerAddr <= 0 {
		c.MaxPendingPerAddr = 64
	}
	if c.DescriptorLimit == 0 {
		c.DescriptorLimit = descriptorLimit()
	}
	if c.Reserve <= 0 {
		c.Reserve = max(64, c.DescriptorLimit/8)
	}
	if c.FreeFailures <= 0 {
		c.FreeFailures = 3
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 250 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 4 * time.Second
	}
	if c.Forget <= 0 {
		c.Forget = 10 * time.Minute
	}
	if c.MaxAddrs <= 0 {
		c.MaxAddrs = 4096
	}
	c.MaxAddrs = max(c.MaxAddrs, c.MaxPending+1)
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}

// Guard applies the rules to one listener's connections. It is safe for
// concurrent use.
type Guard struct {
	cfg Config

	mu      sync.Mutex
	waiting list.List // of *Ticket, oldest first
	addrs   map[string]*addrState
	authed  int // connections that proved the key and are still open

	flood      episode // connections cut to make room
	starved    episode // connections refused for want of descriptors
	accept     episode // accept errors in a row
	cut        int     // connections cut or refused to make room, in all
	unlogged   int     // refusals counted but not logged, in all
	acceptWait time.Duration
}

// New returns a guard with the limits of c.
func New(c Config) *Guard {
	return &Guard{cfg: c.withDefaults(), addrs: make(map[string]*addrState)}
}

// addrState is what the guard remembers about one source address.
type addrState struct {
	key         string
	waiting     list.List // of *Ticket, oldest first
	failures    int
	lastFailure time.Time
	turn        time.Time // no handshake from here starts before this
	logged      int       // refusals logged since the slate was last wiped
}

// episode is a run of events that is logged once: it starts with the first
// event and ends after quiet passes without one.
type episode struct {
	on   bool
	last time.Time
}

// begins records an event at now and says whether it starts a new episode.
func (e *episode) begins(now time.Time, quiet time.Duration) bool {
	fresh := !e.on || now.Sub(e.last) > quiet
	e.on, e.last = true, now
	return fresh
}

// capacityLocked is how many connections may wait for a handshake now.
func (g *Guard) capacityLocked() int {
	if g.cfg.DescriptorLimit < 0 {
		return g.cfg.MaxPending
	}
	return min(g.cfg.MaxPending, g.cfg.DescriptorLimit-g.cfg.Reserve-g.authed)
}

// Admit lets the freshly accepted connection c wait for its handshake, and
// returns its ticket. To make room it may cut the oldest waiting connection,
// closing it. When no descriptor can be spared at all it refuses c: the
// caller closes c, and ok is false.
func (g *Guard) Admit(c net.Conn) (t *Ticket, ok bool) {
	now := time.Now()
	g.mu.Lock()
	g.accept.on = false
	capacity := g.capacityLocked()
	var cut []*Ticket
	var line string
	if capacity < 1 {
		g.cut++
		if g.starved.begins(now, floodQuiet) {
			line = fmt.Sprintf("no descriptors to spare for connections that have not proved the key "+
				"(%d held by workers, %d kept in reserve): refusing them; this is logged once per flood", g.authed, g.cfg.Reserve)
		}
		g.mu.Unlock()
		if line != "" {
			g.cfg.Logf("%s", line)
		}
		return nil, false
	}
	a := g.addrLocked(addrKey(c.RemoteAddr()), now)
	for a.waiting.Len() >= g.cfg.MaxPendingPerAddr || g.waiting.Len() >= capacity {
		from := &g.waiting
		if a.waiting.Len() >= g.cfg.MaxPendingPerAddr {
			from = &a.waiting
		}
		victim := from.Front().Value.(*Ticket)
		g.removeLocked(victim)
		victim.state = wasCut
		cut = append(cut, victim)
	}
	if len(cut) > 0 {
		g.cut += len(cut)
		if g.flood.begins(now, floodQuiet) {
			line = fmt.Sprintf("too many connections that have not proved the key (at most %d at once, %d from one address): "+
				"cutting the oldest to make room; this is logged once per flood", capacity, g.cfg.MaxPendingPerAddr)
		}
	}
	t = &Ticket{g: g, conn: c, from: c.RemoteAddr().String(), a: a, cutCh: make(chan struct{})}
	t.all = g.waiting.PushBack(t)
	t.own = a.waiting.PushBack(t)
	g.mu.Unlock()

	for _, v := range cut {
		close(v.cutCh)
		_ = v.conn.Close()
	}
	if line != "" {
		g.cfg.Logf("%s", line)
	}
	return t, true
}

// AcceptFailed is told that accepting a connection failed (out of
// descriptors, say) and returns how long to pause before the next try: a
// little longer each time, up to a second. The first failure of a run is
// logged; the run ends with the next connection admitted.
func (g *Guard) AcceptFailed(err error) time.Duration {
	g.mu.Lock()
	fresh := !g.accept.on
	g.accept.on = true
	if fresh {
		g.acceptWait = 5 * time.Millisecond
	} else {
		g.acceptWait = min(2*g.acceptWait, time.Second)
	}
	wait := g.acceptWait
	g.mu.Unlock()
	if fresh {
		g.cfg.Logf("accept: %v; retrying with a growing pause, logged once until a connection gets in", err)
	}
	return wait
}

// Report logs, in one line, what the guard did without logging it each
// time, if anything. A server calls it when it closes.
func (g *Guard) Report() {
	g.mu.Lock()
	cut, unlogged := g.cut, g.unlogged
	g.mu.Unlock()
	if cut > 0 || unlogged > 0 {
		g.cfg.Logf("in all: %d connections cut or refused to make room, %d more refused handshakes not logged one by one", cut, unlogged)
	}
}

// removeLocked takes t out of the waiting room.
func (g *Guard) removeLocked(t *Ticket) {
	g.waiting.Remove(t.all)
	t.a.waiting.Remove(t.own)
	g.dropAddrLocked(t.a)
}

// addrLocked returns the record of the address key, making one if needed.
func (g *Guard) addrLocked(key string, now time.Time) *addrState {
	if a, ok := g.addrs[key]; ok {
		g.forgetLocked(a, now)
		return a
	}
	if len(g.addrs) >= g.cfg.MaxAddrs {
		g.sweepLocked(now)
	}
	a := &addrState{key: key}
	g.addrs[key] = a
	return a
}

// forgetLocked wipes a's slate once its last failure is Forget old.
func (g *Guard) forgetLocked(a *addrState, now time.Time) {
	if a.failures > 0 && now.Sub(a.lastFailure) > g.cfg.Forget {
		a.failures, a.logged, a.turn = 0, 0, time.Time{}
	}
}

// dropAddrLocked forgets a if nothing about it is worth remembering.
func (g *Guard) dropAddrLocked(a *addrState) {
	if a.waiting.Len() == 0 && a.failures == 0 && a.logged == 0 {
		delete(g.addrs, a.key)
	}
}

// sweepLocked makes room for a new address: it forgets every address that
// has nothing waiting and only stale failures, and if that is not enough,
// the one with nothing waiting whose last failure is oldest.
func (g *Guard) sweepLocked(now time.Time) {
	var oldest *addrState
	for _, a := range g.addrs {
		if a.waiting.Len() > 0 {
			continue
		}
		g.forgetLocked(a, now)
		if a.failures == 0 {
			delete(g.addrs, a.key)
			continue
		}
		if oldest == nil || a.lastFailure.Before(oldest.lastFailure) {
			oldest = a
		}
	}
	if len(g.addrs) >= g.cfg.MaxAddrs && oldest != nil {
		delete(g.addrs, oldest.key)
	}
}

// delay is how long a slowed-down address waits between two handshakes,
// after failures failed ones.
func (g *Guard) delay(failures int) time.Duration {
	d := g.cfg.BaseDelay
	for range failures - g.cfg.FreeFailures {
		if d >= g.cfg.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, g.cfg.MaxDelay)
}

// addrKey is the address that the limits count by: the IP for IPv4, the
// /64 network for IPv6, whatever the address says for anything else.
func addrKey(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if ip4 := tcp.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return (&net.IPNet{IP: tcp.IP.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}
