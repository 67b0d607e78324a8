package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"multitask/internal/child"
	"multitask/internal/cli"
)

// The demo starts its workers as child processes of its own binary: the
// child role "worker" is the worker command, run with the given arguments.
func init() {
	child.Register("worker", func(args []string) error {
		ctx, stop := cli.NotifyContext(context.Background())
		defer stop()
		return runWorker(ctx, os.Stdout, args)
	})
}

// runDemo runs the demo, or with -compare the demo beside the Python twins.
func runDemo(ctx context.Context, stdout io.Writer, args []string) error {
	c, err := parseDemo(stdout, args)
	if err != nil {
		return err
	}
	if c.compare {
		return compare(ctx, stdout, c)
	}
	return demo(ctx, stdout, c)
}

// demo runs the master in this process, on a free loopback port with a
// fresh random key, and c.workers worker processes of this same binary.
// Every line says who printed it. It succeeds once every result has arrived
// and every worker has exited cleanly.
func demo(ctx context.Context, stdout io.Writer, c demoConfig) error {
	// 32 random bytes, written in hex so that they pass through the
	// environment unharmed. The key is new for every run and never printed.
	raw := make([]byte, 32)
	rand.Read(raw) // crypto/rand never fails since Go 1.24: it crashes instead
	key := hex.EncodeToString(raw)
	mux := newLineMux(stdout)
	label := labels(c.workers)
	mout := mux.writer(label("master"))
	note := c.notes(mout, noteWidth-len(label("master")))

	q, err := c.transport.open(ctx, openOptions{addr: "127.0.0.1:0", key: []byte(key), lease: defaultLease, logf: note, flags: c.flags})
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var workers []*demoWorker
	for i := range c.workers {
		w, werr := startWorker(ctx, i+1, label, mux, q.Addr(), key, c)
		if werr != nil {
			err = werr
			break
		}
		workers = append(workers, w)
	}
	if err == nil {
		err = putAndCollect(ctx, mout, q, c.tasks, c.timeout)
	}
	// Close the queues, but keep serving until the workers are gone: a
	// worker that starts late (with -sleep 0 the work can be over before
	// the second process is up) is told there is nothing left, rather than
	// finding no one at the address.
	q.CloseQueues()
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
	if cerr := q.Close(); err == nil {
		err = cerr
	}
	for _, w := range workers {
		if err == nil && w.err != nil {
			err = fmt.Errorf("%s (pid %d) failed: %w", w.name, w.cmd.Process.Pid, w.err)
		}
	}
	if err == nil {
		fmt.Fprintln(mout, "master exit.")
	}
	if !c.tutorialOnly {
		printDemoNotes(stdout, q, workers)
	}
	return err
}

// printDemoNotes says where the queues lived, how the key reached the
// workers, how each worker ended and what the queues saw.
func printDemoNotes(stdout io.Writer, q queues, workers []*demoWorker) {
	summary := q.Summary()
	fmt.Fprintln(stdout, goNotes)
	printNote(stdout, "%s, with a fresh random 256-bit key, handed to the workers in %s, not on their command line",
		summary[0], keyEnv)
	for _, w := range workers {
		printNote(stdout, "%s: pid %d, %s", w.name, w.cmd.Process.Pid, w.cmd.ProcessState)
	}
	for _, line := range summary[1:] {
		printNote(stdout, "%s", line)
	}
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
	args := []string{"-addr", addr, "-sleep", c.pace.String(), "-idle", c.idle.String(), "-transport", c.transportName}
	if c.tutorialOnly {
		args = append(args, "-tutorial-only")
	}
	cmd, err := child.Command(ctx, "worker", args...)
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
