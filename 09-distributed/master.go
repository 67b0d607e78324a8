package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"multitask/09-distributed/guard"
	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
	"multitask/internal/cli"
)

// masterConfig is what the master's flags say.
type masterConfig struct {
	addr      string
	tasks     int
	timeout   time.Duration
	handshake time.Duration
	lease     time.Duration
	transport string
	key       []byte
}

// defaultLease is how long a task stays leased to a worker that gives no
// sign of life; a live worker's heartbeat renews it four times as often.
const defaultLease = 10 * time.Second

func parseMaster(stdout io.Writer, args []string) (masterConfig, error) {
	fs := flag.NewFlagSet("master", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c masterConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5000", `address to listen on, not empty; the default serves this machine only, ":5000" every network`)
	fs.IntVar(&c.tasks, "tasks", 10, fmt.Sprintf("how many tasks to put (1 to %d)", maxTasks))
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, fmt.Sprintf("give up when no result has come for this long (at most %v)", maxDuration))
	fs.DurationVar(&c.handshake, "handshake", rpcq.DefaultHandshakeTimeout,
		fmt.Sprintf("how long a connecting worker has to prove it knows the key (at most %v)", maxHandshake))
	fs.DurationVar(&c.lease, "lease", defaultLease,
		fmt.Sprintf("a task goes back to the queue when its worker gives no sign of life for this long (%v to %v)", minLease, maxDuration))
	shared := addSharedFlags(fs, true)
	var err error
	c.transport, c.key, err = shared.parse(fs, args, func() []error {
		return []error{
			notEmpty("addr", c.addr, `give host:port, e.g. 127.0.0.1:5000 (this machine only) or :5000 (every network)`),
			cli.Positive("tasks", c.tasks),
			cli.AtMost("tasks", c.tasks, maxTasks),
			cli.PositiveDuration("timeout", c.timeout),
			cli.DurationAtMost("timeout", c.timeout, maxDuration),
			cli.PositiveDuration("handshake", c.handshake),
			cli.DurationAtMost("handshake", c.handshake, maxHandshake),
			durationAtLeast("lease", c.lease, minLease),
			cli.DurationAtMost("lease", c.lease, maxDuration),
		}
	})
	return c, err
}

// runMaster is task_master.py: serve the queues, put the tasks, print the
// results, shut down.
func runMaster(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseMaster(stdout, args)
	if err != nil {
		return err
	}
	out := newLineMux(stdout).writer("")
	note := noteLine(out)
	if warning := guard.ShortKeyWarning(c.key); warning != "" {
		note("%s", warning)
	}
	hub := taskq.NewHub(note, taskq.LeaseFor(c.lease))
	srv, err := transports[c.transport].serve(c.addr, c.key, hub, serveOptions{handshake: c.handshake, logf: note})
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	note("serving the queues on %s over %s; workers need the same key", srv.Addr(), c.transport)
	if reachableFromOutside(srv.Addr()) {
		note("%s is open to other machines: anyone who reaches it may try the handshake, "+
			"and tasks and results cross the network unencrypted (see the README)", srv.Addr())
	}

	err = putAndCollect(ctx, out, hub, c.tasks, c.timeout)
	if cerr := shutdown(hub, srv); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "master exit.")
	fmt.Fprintln(out, goNotes)
	fmt.Fprintf(out, "the queues lived in this process (pid %d); the workers reached them over %s on %s\n",
		os.Getpid(), c.transport, srv.Addr())
	fmt.Fprintln(out, statsLine(hub.Stats()))
	return nil
}

// shutdown closes the queues first, so that workers waiting for a task are
// told the work is over, then the listener and every connection.
func shutdown(hub *taskq.Hub, srv server) error {
	hub.Close()
	return srv.Close()
}

// putAndCollect is the body of task_master.py, against any taskq.Master: put
// n tasks, then print one result per task. Each wait for a result ends after
// timeout; that is the end of the run, reported as an error naming what is
// missing, not a crash.
func putAndCollect(ctx context.Context, out io.Writer, q taskq.Master, n int, timeout time.Duration) error {
	open := make(map[uint64]taskq.Task, n) // the tasks still waiting for their result
	for i := range n {
		t := taskq.Task{ID: uint64(i + 1), N: rand.IntN(10001)}
		fmt.Fprintf(out, "Put task %d...\n", t.N)
		if err := q.PutTask(ctx, t); err != nil {
			return fmt.Errorf("put task %d: %w", t.ID, err)
		}
		open[t.ID] = t
	}
	fmt.Fprintln(out, "Try get results...")
	for len(open) > 0 {
		r, ok, err := q.GetResult(ctx, timeout)
		if err != nil {
			return fmt.Errorf("get results: %w", err)
		}
		if !ok {
			return &missingResults{timeout: timeout, total: n, open: open}
		}
		if _, waiting := open[r.TaskID]; !waiting {
			// The hub drops duplicates and unknown tasks already; checking here
			// too keeps "each result once" true whatever the transport does.
			continue
		}
		delete(open, r.TaskID)
		fmt.Fprintf(out, "Result: %s\n", printable(r.Text))
	}
	return nil
}

// missingResults is the master's timeout: no result came for too long.
type missingResults struct {
	timeout time.Duration
	total   int
	open    map[uint64]taskq.Task
}

func (e *missingResults) Error() string {
	ns := make([]int, 0, len(e.open))
	for _, t := range e.open {
		ns = append(ns, t.N)
	}
	slices.Sort(ns)
	shown := make([]string, 0, 5)
	for _, n := range ns[:min(len(ns), cap(shown))] {
		shown = append(shown, strconv.Itoa(n))
	}
	list := strings.Join(shown, ", ")
	if len(ns) > len(shown) {
		list += fmt.Sprintf(" and %d more", len(ns)-len(shown))
	}
	return fmt.Sprintf("no result for %v: %d of %d results missing (for %s); is a worker running, with the same key?",
		e.timeout, len(e.open), e.total, list)
}

// printable keeps a result's text on one harmless line: a worker holds the
// key, but it is still no reason to let it write control characters to the
// master's terminal.
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) {
		return strconv.Quote(s)
	}
	return s
}

// statsLine sums up what the hub saw.
func statsLine(s taskq.Stats) string {
	return fmt.Sprintf("%s put, %s kept; %s put back after a worker left, %d after a lease ran out; "+
		"%s dropped, %d late; %s refused (unknown task, or not leased to the sender); %s",
		count(s.Tasks, "task"), count(s.Results, "result"), count(s.PutBack, "task"), s.Expired,
		count(s.Duplicates, "duplicate result"), s.Late, count(s.Unknown+s.NotLeased, "result"),
		count(s.Sessions, "worker connection"))
}

// count writes "1 task" or "2 tasks".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// reachableFromOutside says whether addr listens on more than loopback.
func reachableFromOutside(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return !ok || !tcp.IP.IsLoopback()
}
