package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"multitask/internal/child"
	"multitask/internal/cli"
)

// The writer and the reader are functions of this binary that run in child
// processes: the parent re-runs the binary as "child:writer" or
// "child:reader" (see internal/child), and each sets up its end of the
// pipes, then calls write or read (main.go).
func init() {
	child.Register(roleWriter, writerProcess)
	child.Register(roleReader, readerProcess)
}

// writerProcess is the writer child. Descriptor 3 is the write end of the
// queue, descriptor 4 the report pipe; stdout is the output pipe the parent
// copies to its own stdout.
func writerProcess(args []string) error {
	c, err := setUp(roleWriter, args)
	if err != nil {
		return err
	}
	// The queue is not closed here: the kernel closes it when this process
	// exits, which is when the reader sees end of stream. A broken pipe
	// comes back from put as an EPIPE error, not as a signal: Go lets
	// SIGPIPE kill a program only for writes to stdout and stderr.
	put := streamPut(c.queue)
	if c.crash {
		put = crashingPut(put)
	}
	// A held writer waits after its first value instead of pausing.
	pause := func() { time.Sleep(randomPause(c.maxPause)) }
	if c.hold {
		pause = waitForStdinEnd
	}
	return write(os.Stdout, os.Getpid(), put, pause)
}

// readerProcess is the reader child. Descriptor 3 is the read end of the
// queue, descriptor 4 the report pipe, and descriptor 5 the pipe on which
// it reports each value it receives, one JSON line each.
func readerProcess(args []string) error {
	c, err := setUp(roleReader, args)
	if err != nil {
		return err
	}
	received, err := extraPipe(2, "received")
	if err != nil {
		return err
	}
	// The queue has no deferred Close: a deferred call would run while a
	// panic unwinds, and the writer would get EPIPE while this process is
	// still alive. Left to the kernel, the read end closes only once the
	// process has exited, so when the writer sees EPIPE the reader's exit
	// status is already there for the parent to report.
	get := reportingGet(streamGet(c.queue), streamPut(received))
	if c.crash {
		get = crashingGet(get)
	}
	// A held reader waits before it asks for its first value.
	if c.hold {
		held := get
		get = func() (string, error) {
			waitForStdinEnd()
			return held()
		}
	}
	return read(os.Stdout, os.Getpid(), get)
}

// childSetup is what a child gets from its parent: arguments and pipes.
type childSetup struct {
	queue    *os.File // this child's end of the queue
	maxPause time.Duration
	crash    bool
	hold     bool // tests only: wait at a known point (hold.go)
	noReport bool // -tutorial-only: no notes, so no report pipe
}

// setUp parses the arguments the parent passed, sends the report on
// descriptor 4 and closes it, and opens descriptor 3, this child's end of
// the queue.
func setUp(role string, args []string) (childSetup, error) {
	var c childSetup
	fs := flag.NewFlagSet(role, flag.ContinueOnError)
	fs.DurationVar(&c.maxPause, "max-pause", 0, "")
	fs.BoolVar(&c.crash, "crash", false, "")
	fs.BoolVar(&c.hold, "hold", false, "")
	fs.BoolVar(&c.noReport, "no-report", false, "")
	if err := cli.Parse(fs, args); err != nil {
		return c, err
	}
	queue, err := extraPipe(0, "queue")
	if err != nil {
		return c, err
	}
	if !c.noReport {
		if err := sendReport(role); err != nil {
			return c, err
		}
	}
	c.queue = queue
	return c, nil
}

// sendReport tells the parent, on descriptor 4, this child's PID and its
// parent's PID, for the notes.
func sendReport(role string) error {
	reportPipe, err := extraPipe(1, "report")
	if err != nil {
		return err
	}
	defer reportPipe.Close()
	rep := report{Role: role, PID: os.Getpid(), PPID: os.Getppid()}
	if err := json.NewEncoder(reportPipe).Encode(rep); err != nil {
		return fmt.Errorf("send report: %w", err)
	}
	return nil
}

// extraPipe returns the i-th extra file and checks that it is a pipe. An
// open descriptor 3 or 4 is not enough: when the parent passed nothing
// there, the Go runtime may have opened files of its own at those numbers
// (on Linux it keeps the cgroup CPU quota files open to size GOMAXPROCS).
// Such a descriptor is left alone, not closed.
func extraPipe(i int, name string) (*os.File, error) {
	f, err := child.ExtraFile(i, name)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		return nil, fmt.Errorf("descriptor %d (%s) is not a pipe: start this role through the parent, go run ./04-queue-ipc", 3+i, name)
	}
	return f, nil
}
