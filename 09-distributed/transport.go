package main

import (
	"context"
	"flag"
	"slices"
	"strings"
	"time"

	"multitask/09-distributed/taskq"
	"multitask/internal/cli"
)

// A transport carries the task and result queues between the master and its
// workers. The master's code (master.go) and the worker's (worker.go) are
// the same for every transport: the master opens the queues and holds a
// taskq.Master, a worker dials them and holds a taskq.Worker. Where the
// queues live is the transport's business. The rpc transport keeps them in
// a taskq.Hub in the master's own process and serves the hub to its
// workers (transport_rpc.go); a broker transport keeps them in the broker,
// and the master is one more client of it.
//
// Adding a transport is adding an entry to transports, in a file of its
// own named after it.
type transport struct {
	// open opens the queues on the master's side, served or reached at
	// o.addr, for workers that know o.key.
	open func(ctx context.Context, o openOptions) (queues, error)
	// dial connects a worker to the queues at o.addr.
	dial func(ctx context.Context, o dialOptions) (taskq.Worker, error)
	// flags, if not nil, adds the transport's own flags to the flag set of
	// a command ("master", "worker" or the demo's "09-distributed") and
	// returns where their values land; open and dial get it back as
	// o.flags. Every transport's flags are on every command, since the
	// flags are defined before -transport is parsed.
	flags func(fs *flag.FlagSet, command string) any
	// reach, if not nil, says where a worker connects when the transport's
	// own flags name a place other than -addr.
	reach func(flags any, addr string) string
}

// queues are the master's side of the queues, as a transport opened them.
type queues interface {
	taskq.Master
	// Addr is where workers reach the queues: what a worker's -addr takes.
	Addr() string
	// CloseQueues ends the work: a worker waiting for a task, and every
	// later call of a worker, hears taskq.ErrClosed. Workers may still
	// connect, and are told the same.
	CloseQueues()
	// Close closes the queues if they are open, stops serving them and
	// returns once everything the transport started has ended.
	Close() error
	// Summary is what the Go notes say about the queues, a line each: the
	// first where they lived and how workers reached them, the others what
	// they saw.
	Summary() []string
}

// resumer is implemented by queues that can outlive their master: a
// broker's, kept on disk, in which a master that was killed left tasks put
// and results not yet taken. A master that opens them again finishes that
// run: putAndCollect puts only the tasks the earlier master did not, and
// waits for the results it did not take.
type resumer interface {
	// Resumed returns the tasks the earlier master put, and the IDs of those
	// whose results it took; nothing for a fresh run. A task's N is
	// unknownN where the transport did not keep it.
	Resumed() (put []taskq.Task, taken []uint64)
}

// unknownN is the number of a resumed task whose number the transport did
// not keep: the master's own numbers are never negative.
const unknownN = -1

// resumed returns the tasks an earlier master put and whose results are
// still to come, and the IDs of all the tasks it put: nothing unless q is a
// resumer that found an earlier run.
func resumed(q taskq.Master) (open map[uint64]taskq.Task, put map[uint64]bool) {
	open = make(map[uint64]taskq.Task)
	r, ok := q.(resumer)
	if !ok {
		return open, nil
	}
	tasks, taken := r.Resumed()
	put = make(map[uint64]bool, len(tasks))
	for _, t := range tasks {
		put[t.ID] = true
		open[t.ID] = t
	}
	for _, id := range taken {
		delete(open, id)
	}
	return open, put
}

// openOptions are what the master's flags say to the transport.
type openOptions struct {
	addr      string
	key       []byte
	lease     time.Duration // a task goes back when its worker is silent this long
	handshake time.Duration // how long a connecting worker has to prove the key; 0: the transport's default
	logf      notef         // one line per event worth a note, as it happens
	flags     any           // what the transport's own flags said
}

// dialOptions are what a worker's flags say to the transport.
type dialOptions struct {
	addr  string
	key   []byte
	flags any
}

var transports = map[string]transport{
	"rpc": rpcTransport,
}

const defaultTransport = "rpc"

func lookupTransport(name string) (transport, error) {
	t, ok := transports[name]
	if !ok {
		return transport{}, cli.Usagef("-transport %q is not known; there is %s", name, strings.Join(transportNames(), ", "))
	}
	return t, nil
}

func transportNames() []string {
	names := make([]string, 0, len(transports))
	for name := range transports {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
