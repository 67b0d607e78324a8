package jetstreamq

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Defaults and bounds of the options.
const (
	// DefaultAckWait matches the rpc transport's lease: a task held by a
	// worker that gives no sign of life for this long goes to another.
	DefaultAckWait = 10 * time.Second
	MinAckWait     = 100 * time.Millisecond
	MaxAckWait     = time.Hour

	// DefaultBatch is how many messages one fetch takes at most. A fetch is
	// a round trip of tens of microseconds: one message per fetch holds a
	// run to about 2,500 tasks a second, batches of hundreds to about
	// 20,000 (see the README). A worker fetches fewer when its tasks are
	// slow; the master records what it took once per batch.
	DefaultBatch = 1024
	MaxBatch     = 1024

	// DefaultDuplicateWindow is the server's own default: within it a second
	// result with the same task ID is dropped by the server itself.
	DefaultDuplicateWindow = 2 * time.Minute
	MinDuplicateWindow     = 100 * time.Millisecond // the server's minimum
	MaxDuplicateWindow     = 24 * time.Hour

	// DefaultMaxAckPending bounds the tasks delivered to workers and not yet
	// acknowledged, over all workers: enough for many workers' full batches.
	DefaultMaxAckPending = 16384
	MaxMaxAckPending     = 1 << 20
)

// MasterOptions tune [OpenMaster]. The zero value is the defaults.
type MasterOptions struct {
	// Name names the run's streams, so that several runs can share one
	// server. Workers must use the same. Default [DefaultName].
	Name string
	// AckWait is how long a worker may hold a task without a sign of life
	// before it is redelivered to another ([MinAckWait] to [MaxAckWait],
	// default [DefaultAckWait]). A live worker signals every quarter of it.
	AckWait time.Duration
	// Batch is how many results one fetch takes at most (1 to [MaxBatch],
	// default [DefaultBatch]).
	Batch int
	// DuplicateWindow is how long the server remembers a result's task ID
	// to drop a second one ([MinDuplicateWindow] to [MaxDuplicateWindow],
	// default [DefaultDuplicateWindow]). The master's own check drops
	// duplicates after it too.
	DuplicateWindow time.Duration
	// MaxAckPending bounds the tasks out with workers at once, not yet
	// acknowledged (1 to [MaxMaxAckPending], default [DefaultMaxAckPending]).
	MaxAckPending int
	// Memory keeps the streams in memory instead of files: faster, and gone
	// with the server. For measuring, not for runs that must survive.
	Memory bool
	// Logf, if not nil, is told about a resumed run, and the first time a
	// result is dropped or refused.
	Logf func(format string, args ...any)
	// NATS are further connection options, applied last: TLS and
	// credentials for a real deployment (see the README).
	NATS []nats.Option
}

func (o MasterOptions) withDefaults() (MasterOptions, error) {
	var err error
	if o.AckWait, err = durationIn("AckWait", o.AckWait, DefaultAckWait, MinAckWait, MaxAckWait); err != nil {
		return o, err
	}
	if o.DuplicateWindow, err = durationIn("DuplicateWindow", o.DuplicateWindow, DefaultDuplicateWindow, MinDuplicateWindow, MaxDuplicateWindow); err != nil {
		return o, err
	}
	if o.Batch, err = countIn("Batch", o.Batch, DefaultBatch, MaxBatch); err != nil {
		return o, err
	}
	if o.MaxAckPending, err = countIn("MaxAckPending", o.MaxAckPending, DefaultMaxAckPending, MaxMaxAckPending); err != nil {
		return o, err
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// WorkerOptions tune [DialWorker]. The zero value is the defaults.
type WorkerOptions struct {
	// Name is the run's name, the same as the master's. Default
	// [DefaultName].
	Name string
	// MaxBatch is how many tasks one fetch may take at most (1 to
	// [MaxBatch], default [DefaultBatch]). A worker asks for about 5 ms
	// worth of tasks at the pace it has been going, so a slow worker takes
	// one at a time and the tasks spread over all workers.
	MaxBatch int
	// Logf, if not nil, is told what the NATS library reports on its own.
	Logf func(format string, args ...any)
	// NATS are further connection options, applied last (TLS, credentials).
	NATS []nats.Option
}

func (o WorkerOptions) withDefaults() (WorkerOptions, error) {
	var err error
	if o.MaxBatch, err = countIn("MaxBatch", o.MaxBatch, DefaultBatch, MaxBatch); err != nil {
		return o, err
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// durationIn returns d, or def for zero, if it lies within [lo, hi].
func durationIn(name string, d, def, lo, hi time.Duration) (time.Duration, error) {
	if d == 0 {
		return def, nil
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s must be from %v to %v, got %v", name, lo, hi, d)
	}
	return d, nil
}

// countIn returns n, or def for zero, if it lies within [1, hi].
func countIn(name string, n, def, hi int) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 1 || n > hi {
		return 0, fmt.Errorf("%s must be from 1 to %d, got %d", name, hi, n)
	}
	return n, nil
}
