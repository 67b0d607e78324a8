package pythonq

import (
	"fmt"
	"time"

	"multitask/09-distributed/guard"
	"multitask/09-distributed/pythonq/wire"
)

// Defaults of the [Options].
const (
	// DefaultHandshakeTimeout is how long a connecting peer has to finish
	// the mutual challenge.
	DefaultHandshakeTimeout = 5 * time.Second
	// DefaultMaxFrame bounds a request or reply: a queue's calls carry a
	// number or a line of text, far below it.
	DefaultMaxFrame = 1 << 20
	// DefaultFrameTimeout is how long a frame may take to arrive once it
	// has begun, and how long a reply may take to be written.
	DefaultFrameTimeout = 10 * time.Second
	// DefaultCallTimeout is how long a worker waits for a Python master's
	// reply beyond the wait it asked for.
	DefaultCallTimeout = 15 * time.Second
	// MaxWait bounds the timeout a caller may give get: a longer or absent
	// one is served in rounds of it, so that the master's close is heard.
	MaxWait = time.Hour
)

// Options tune a server or a worker; the zero value is ready to use.
type Options struct {
	// Form is the challenge this side sends: wire.SHA256 (the default, as
	// Python 3.12 and later) also accepts the answer of Python 3.11 and
	// earlier; wire.Legacy sends 3.11's.
	Form wire.Form
	// HandshakeTimeout bounds the mutual challenge (default
	// DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// MaxFrame is the largest request or reply accepted, in bytes (default
	// DefaultMaxFrame).
	MaxFrame int
	// FrameTimeout bounds a frame's arrival once begun (default
	// DefaultFrameTimeout).
	FrameTimeout time.Duration
	// Logf, on a server, is told in one line about connections it refuses
	// or closes. Nil logs nothing.
	Logf func(format string, args ...any)
	// Guard, on a server, limits the connections that have not proved the
	// key and slows down guessing; its Logf defaults to Logf.
	Guard guard.Config
	// CallTimeout, on a worker, is how long it waits for a reply beyond the
	// wait it asked for (default DefaultCallTimeout).
	CallTimeout time.Duration
}

// check refuses what no default can mend, so that Listen and Dial fail
// with one clear error rather than every handshake later.
func (o Options) check() error {
	switch o.Form {
	case wire.SHA256, wire.Legacy:
		return nil
	}
	return fmt.Errorf("pythonq: unknown handshake form %v: use wire.SHA256 or wire.Legacy", o.Form)
}

func (o Options) withDefaults() Options {
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = DefaultFrameTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Guard.Logf == nil {
		o.Guard.Logf = o.Logf
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	return o
}
