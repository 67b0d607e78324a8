package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// pipes are the parent's side of process mode: the OS pipes it makes and
// hands to its two children, and what it reads back from them.
//
// The parent makes four pipes and hands each child the ends it needs as
// descriptors 3, 4, … (exec.Cmd.ExtraFiles, see startChild):
//   - queue: the writer gets the write end, the reader the read end. This is
//     the Queue of the tutorial.
//   - out: both children's stdout. Each line is one write(2) of less than
//     PIPE_BUF bytes, so lines never mix, and the kernel keeps them in the
//     order they were written: "Put A" is written before A is sent, "Get A"
//     after A is received, so the writer's line always comes first. One
//     goroutine of the parent copies this pipe to stdout, so stdout has a
//     single writer and no lock is needed.
//   - report: each child writes one JSON line with its PID and its parent's
//     PID, so the notes can show that they are three distinct processes.
//     With -tutorial-only there are no notes, and no report pipe.
//   - received: the reader writes one JSON line for each value it receives,
//     so the parent knows which values were lost without reading them back
//     from the tutorial's lines (lost_values.go).
type pipes struct {
	cfg    config
	stdout io.Writer
	// mine holds every end the parent still has. They are closed as soon as
	// the parent is done with them; close catches any left on an early
	// return. A second Close of an os.File only returns an error, which is
	// ignored.
	mine                 []*os.File
	queueR, queueW       *os.File
	outR, outW           *os.File
	reportR, reportW     *os.File
	receivedR, receivedW *os.File
	holdR, holdW         *os.File     // a held child's stdin (hold.go)
	children             []*childProc // started, to be joined
	lines                *tally
	copied               chan error
}

// newPipes makes the pipes of process mode. Python's Queue() is a pipe too,
// with a lock and a feeder thread around it.
func newPipes(stdout io.Writer, cfg config) (*pipes, error) {
	p := &pipes{cfg: cfg, stdout: stdout, lines: &tally{w: stdout}}
	var err error
	if p.queueR, p.queueW, err = p.pipe(); err != nil {
		return p, fmt.Errorf("make the queue pipe: %w", err)
	}
	if p.outR, p.outW, err = p.pipe(); err != nil {
		return p, fmt.Errorf("make the output pipe: %w", err)
	}
	if !cfg.tutorialOnly {
		if p.reportR, p.reportW, err = p.pipe(); err != nil {
			return p, fmt.Errorf("make the report pipe: %w", err)
		}
	}
	if p.receivedR, p.receivedW, err = p.pipe(); err != nil {
		return p, fmt.Errorf("make the received pipe: %w", err)
	}
	if err := p.makeHold(cfg.hold); err != nil {
		return p, err
	}
	return p, nil
}

// pipe makes one pipe whose ends the parent holds until it closes them.
func (p *pipes) pipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	p.mine = append(p.mine, r, w)
	return r, w, err
}

// close kills and reaps a child that was started and never joined (its
// partner could not start), so that nothing is left running, and closes
// every end the parent still holds.
func (p *pipes) close() {
	for _, c := range p.children {
		if !c.joined {
			c.kill()
		}
	}
	for _, f := range p.mine {
		f.Close()
	}
}

// start starts role in a child process with its ends of the pipes: its end
// of the queue as descriptor 3, the report pipe as 4 (none with
// -tutorial-only), and for the reader the received pipe as 5.
func (p *pipes) start(ctx context.Context, role string) (*childProc, error) {
	var c *childProc
	var err error
	if role == roleWriter {
		c, err = startChild(ctx, role, p.cfg, p.stdin(role), p.outW, nil, p.queueW, p.reportW)
	} else {
		// Only once the reader has been waited for is its end of the queue
		// surely closed, and a held writer is let go.
		c, err = startChild(ctx, role, p.cfg, p.stdin(role), p.outW, p.releaseWriter, p.queueR, p.reportW, p.receivedW)
	}
	if err != nil {
		return nil, err
	}
	p.children = append(p.children, c)
	return c, nil
}

// handOver closes the parent's copies of the ends its children now hold,
// and starts copying the children's output to stdout.
//
// The parent closes its read end of the queue, so that if the reader dies
// the writer's next write fails with EPIPE instead of filling a pipe nobody
// reads. It closes its write end too, so that the reader sees end of stream
// as soon as the writer exits; with -terminate it keeps that end open, as
// Python's parent keeps its Queue, and the reader waits forever until it is
// terminated.
func (p *pipes) handOver() {
	p.queueR.Close()
	if !p.cfg.terminate {
		p.queueW.Close()
	}
	p.outW.Close()
	if p.reportW != nil {
		p.reportW.Close()
	}
	p.receivedW.Close()

	// The copy ends at end of stream, which comes once both children have
	// exited, since nobody else holds the write end of out.
	p.copied = make(chan error, 1)
	go func() {
		_, err := io.Copy(p.lines, p.outR)
		if err != nil {
			// Keep draining, so a child never blocks on a full pipe.
			_, _ = io.Copy(io.Discard, p.outR)
			err = fmt.Errorf("copy the children's output: %w", err)
		}
		p.copied <- err
	}()
}

// finish runs once both children have been joined: it waits for the last
// of their output, prints the Go notes (not with -tutorial-only) and
// returns what failed, or the values that were lost.
func (p *pipes) finish(writer *childProc, writeErr error, reader *childProc, readErr error) error {
	p.queueW.Close()
	copyErr := <-p.copied

	// Both children have exited, so both reports are whole; the few lines
	// in each fit in the pipe's buffer and never held a child up.
	p.lines.got = readReceived(p.receivedR)
	if !p.cfg.tutorialOnly {
		printProcessNotes(p.stdout, p.cfg, writer, reader, writeErr, readErr, readReports(p.reportR))
		printNote(p.stdout, "%s", p.lines.note())
	}
	if writeErr == nil && readErr == nil && copyErr == nil {
		return p.lines.lostError()
	}
	return errors.Join(writeErr, readErr, copyErr)
}
