package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
	"multitask/internal/child"
	"multitask/internal/cli"
)

// demoConfig is what the demo's flags say.
type demoConfig struct {
	workers   int
	tasks     int
	pace      time.Duration
	idle      time.Duration
	timeout   time.Duration
	transport string
}

func parseDemo(stdout io.Writer, args []string) (demoConfig, error) {
	fs := flag.NewFlagSet("09-distributed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c demoConfig
	fs.IntVar(&c.workers, "workers", 2, fmt.Sprintf("how many worker processes to start (1 to %d)", maxWorkers))
	fs.IntVar(&c.tasks, "tasks", 10, fmt.Sprintf("how many tasks the master puts (1 to %d)", maxTasks))
	fs.DurationVar(&c.pace, "sleep", time.Second, fmt.Sprintf("how long each task takes (at most %v)", maxDuration))
	fs.DurationVar(&c.idle, "idle", time.Second, fmt.Sprintf("a worker stops when the task queue stays empty this long (at most %v)", maxDuration))
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, fmt.Sprintf("the master gives up when no result has come for this long (at most %v)", maxDuration))
	shared := addSharedFlags(fs, false)
	var err error
	c.transport, _, err = shared.parse(fs, args, func() []error {
		return []error{
			cli.Positive("workers", c.workers),
			cli.AtMost("workers", c.workers, maxWorkers),
			cli.Positive("tasks", c.tasks),
			cli.AtMost("tasks", c.tasks, maxTasks),
			cli.NonNegative("sleep", c.pace),
			cli.DurationAtMost("sleep", c.pace, maxDuration),
			cli.PositiveDuration("idle", c.idle),
			cli.DurationAtMost("idle", c.idle, maxDuration),
			cli.PositiveDuration("timeout", c.timeout),
			cli.DurationAtMost("timeout", c.timeout, maxDuration),
		}
	})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "The demo runs the master here and the workers as processes of their own.\n"+
			"To run the two sides yourself: 09-distributed master -h; 09-distributed worker -h.")
	}
	return c, err
}

// runDemo runs the master in this process, on a free loopback port with a
// fresh random key, and c.workers worker processes of this same binary. Every
// line says who printed it. It succeeds once every result has arrived and
// every worker has exited cleanly.
func runDemo(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseDemo(stdout, args)
	if err != nil {
		return err
	}
	// 32 random bytes, written in hex so that they pass through the
	// environment unharmed. The key is new for every run and never printed.
	raw := make([]byte, 32)
	rand.Read(raw) // crypto/rand never fails since Go 1.24: it crashes instead
	key := hex.EncodeToString(raw)
	mux := newLineMux(stdout)
	width := len(fmt.Sprint("worker ", c.workers))
	label := func(name string) string { return fmt.Sprintf("%-*s | ", width, name) }
	mout := mux.writer(label("master"))
	note := noteLine(mout)

	hub := taskq.NewHub(note, taskq.LeaseFor(defaultLease))
	srv, err := transports[c.transport].serve("127.0.0.1:0", []byte(key), hub,
		serveOptions{handshake: rpcq.DefaultHandshakeTimeout, logf: note})
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var workers []*demoWorker
	for i := range c.workers {
		w, werr := startWorker(ctx, i+1, label, mux, srv.Addr().String(), key, c)
		if werr != nil {
			err = werr
			break
		}
		workers = append(workers, w)
	}
	if err == nil {
		err = putAndCollect(ctx, mout, hub, c.tasks, c.timeout)
	}
	// Close the queues, but keep listening until the workers are gone: a
	// worker that starts late (with -sleep 0 the work can be over before
	// the second process is up) is told there is nothing left, rather than
	// finding no one at the address.
	hub.Close()
	if err != nil {
		// Stop the workers now: one may be in the middle of a long task.
		cancel()
	}
	// The closed queues end every worker within one task; should one not
	// end, it is interrupted like the others above.
	late := time.AfterFunc(c.pace+5*time.Second, cancel)
	for _, w := range workers {
		w.wait()
	}
	late.Stop()
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintln(mout, "master exit.")
	}

	fmt.Fprintln(stdout, goNotes)
	fmt.Fprintf(stdout, "the queues lived in this process (pid %d), served over %s on %s with a fresh random 256-bit key; "+
		"the workers got it in %s, not on their command line\n", os.Getpid(), c.transport, srv.Addr(), keyEnv)
	for _, w := range workers {
		fmt.Fprintf(stdout, "%s: pid %d, %s\n", w.name, w.cmd.Process.Pid, w.cmd.ProcessState)
		if err == nil && w.err != nil {
			err = fmt.Errorf("%s (pid %d) failed: %w", w.name, w.cmd.Process.Pid, w.err)
		}
	}
	fmt.Fprintln(stdout, statsLine(hub.Stats()))
	return err
}

// demoWorker is one worker process of the demo.
type demoWorker struct {
	name string
	cmd  *exec.Cmd
	out  *lineWriter
	err  error // how it ended, once wait returned
}

// startWorker starts worker number i as a child process, with the key in
// its environment, its output and errors printed under its name.
func startWorker(ctx context.Context, i int, label func(string) string, mux *lineMux, addr, key string, c demoConfig) (*demoWorker, error) {
	name := fmt.Sprint("worker ", i)
	cmd, err := child.Command(ctx, "worker",
		"-addr", addr, "-sleep", c.pace.String(), "-idle", c.idle.String(), "-transport", c.transport)
	if err != nil {
		return nil, err
	}
	w := &demoWorker{name: name, cmd: cmd, out: mux.writer(label(name))}
	ownProcessGroup(cmd)
	cmd.Env = append(os.Environ(), keyEnv+"="+key)
	cmd.Stdout, cmd.Stderr = w.out, w.out
	// Cancelling ctx interrupts a worker as Ctrl-C would, so that it closes
	// its connection properly; one that does not exit is killed after a while.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return w, nil
}

// wait waits for the worker to exit and passes on its last words.
func (w *demoWorker) wait() {
	w.err = w.cmd.Wait()
	if errors.Is(w.err, exec.ErrWaitDelay) {
		w.err = nil // it exited; only its output was still open
	}
	_ = w.out.Flush()
}
