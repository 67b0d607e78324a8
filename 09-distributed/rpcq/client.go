package rpcq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"time"

	"multitask/09-distributed/rpcq/wire"
	"multitask/09-distributed/taskq"
)

// A round trip over loopback costs tens of microseconds, while squaring a
// number costs nanoseconds; a worker that asked for one task at a time would
// spend nearly all its time waiting. So a worker asks for as many tasks as it
// finished in the last prefetchFor, between 1 and its MaxBatch, and holds its
// results back until the next request or until they are prefetchFor old.
// A worker that sleeps a second per task still asks for one task at a time,
// and the tasks spread over all workers as in the tutorial.
const (
	prefetchFor     = 5 * time.Millisecond
	defaultMaxBatch = 256
)

// closeTimeout bounds how long Close tries to hand in the last results.
const closeTimeout = 10 * time.Second

// Client is a worker's side of the queues, over one connection to a
// [Server]. It implements [taskq.Worker]. It is not safe for concurrent use:
// a worker takes one task at a time.
type Client struct {
	rpc         *rpc.Client
	codec       *clientCodec
	maxBatch    int
	callTimeout time.Duration
	timer       *time.Timer // bounds the call in flight
	hb          *heartbeat  // started once the master has said its lease

	tasks        []taskq.Task   // leased to this worker, not handed out yet
	batchAt      time.Time      // when the last batch of tasks arrived
	batchLen     int            // how many tasks it held
	pending      []taskq.Result // results held back for the next request
	pendingSince time.Time
	err          error // once set, every call returns it
	closed       bool
}

// Dial connects to the master at TCP address addr and runs the handshake
// with key. The handshake ends after opts.HandshakeTimeout or when ctx does.
// When Dial returns, the master counts the connection as a worker's: if it
// closes now, the worker is told that the queues are closed, not cut off.
func Dial(ctx context.Context, addr string, key []byte, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(opts.HandshakeTimeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	keys, err := wire.Client(conn, key)
	if !stop() {
		err = ctx.Err()
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("no handshake within %v", opts.HandshakeTimeout)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	codec := &clientCodec{frames: newFrames(conn, keys, opts)}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	return &Client{
		rpc:         rpc.NewClientWithCodec(codec),
		codec:       codec,
		maxBatch:    opts.MaxBatch,
		callTimeout: opts.CallTimeout,
		timer:       timer,
	}, nil
}

// GetTask returns the next task leased to this worker, asking the master
// for more (and handing in the results held back) when it has none left.
// A wait longer than the master grants in one call (maxWait) takes several.
func (c *Client) GetTask(ctx context.Context, timeout time.Duration) (taskq.Task, bool, error) {
	if len(c.tasks) == 0 {
		end := time.Now().Add(timeout)
		for {
			wait := max(min(time.Until(end), maxWait), 0)
			if err := c.exchange(ctx, c.want(), wait); err != nil {
				return taskq.Task{}, false, err
			}
			if len(c.tasks) > 0 || time.Until(end) <= 0 {
				break
			}
		}
		if len(c.tasks) == 0 {
			return taskq.Task{}, false, nil
		}
	}
	t := c.tasks[0]
	c.tasks = c.tasks[1:]
	return t, true, nil
}

// want is how many tasks to ask for: about prefetchFor's worth at the pace
// the last batch went.
func (c *Client) want() int {
	if c.batchLen == 0 {
		return 1
	}
	per := time.Since(c.batchAt) / time.Duration(c.batchLen)
	if per <= 0 {
		return c.maxBatch
	}
	return int(min(max(prefetchFor/per, 1), time.Duration(c.maxBatch)))
}

// PutResult holds r back for the next request, or sends the results at once
// when there are MaxBatch of them or the oldest has waited prefetchFor.
func (c *Client) PutResult(ctx context.Context, r taskq.Result) error {
	if c.err != nil {
		return c.err
	}
	if len(c.pending) == 0 {
		c.pendingSince = time.Now()
	}
	c.pending = append(c.pending, r)
	if len(c.pending) >= c.maxBatch || time.Since(c.pendingSince) >= prefetchFor {
		return c.exchange(ctx, 0, 0)
	}
	return nil
}

// Close hands in the results held back, then closes the connection; the
// master puts back the tasks this worker got and did not answer.
func (c *Client) Close() error {
	if c.closed {
		return nil
	}
	var err error
	if len(c.pending) > 0 && c.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		err = c.exchange(ctx, 0, 0)
		cancel()
	}
	c.closed = true
	c.hb.end()
	_ = c.rpc.Close()
	// The rpc package reads responses in a goroutine of its own; closing the
	// connection ends it, and this waits until it has seen that.
	<-c.codec.readEnd
	if errors.Is(err, taskq.ErrClosed) {
		// The master is done; it did not need these results.
		err = nil
	}
	return err
}

// exchange hands in the pending results and asks for want tasks, waiting at
// most wait for the first. The master's answer must come within wait and
// the call timeout: a master that has stopped (kill -STOP, a frozen
// machine) or vanished without closing the connection cannot hang the
// worker.
func (c *Client) exchange(ctx context.Context, want int, wait time.Duration) error {
	if c.err == nil {
		if err := c.hb.failure(); errors.Is(err, taskq.ErrClosed) {
			c.fail(err)
		} else if err != nil {
			_ = c.callFailed(err)
		}
	}
	if c.err != nil {
		return c.err
	}
	args := ExchangeArgs{Results: c.pending, Want: want, Wait: wait}
	var reply ExchangeReply
	call := c.rpc.Go(serviceName+".Exchange", args, &reply, make(chan *rpc.Call, 1))
	limit := wait + c.callTimeout
	c.timer.Reset(limit)
	select {
	case <-call.Done:
		c.timer.Stop()
	case <-ctx.Done():
		c.timer.Stop()
		// The master may lease us tasks in this very call; closing the
		// connection makes it put them back.
		c.fail(ctx.Err())
		<-call.Done
		return c.err
	case <-c.timer.C:
		c.fail(&lostError{cause: fmt.Errorf("no answer within %v", limit)})
		<-call.Done
		return c.err
	}
	if call.Error != nil {
		return c.callFailed(call.Error)
	}
	c.pending = c.pending[:0]
	if reply.Closed {
		c.fail(taskq.ErrClosed)
		return c.err
	}
	if c.hb == nil && reply.Lease > 0 {
		c.hb = startHeartbeat(c.rpc, reply.Lease/4, c.callTimeout)
	}
	if want > 0 {
		c.tasks = reply.Tasks
		c.batchAt, c.batchLen = time.Now(), len(reply.Tasks)
	}
	return nil
}

// callFailed sorts out why a call failed.
func (c *Client) callFailed(err error) error {
	if se, ok := errors.AsType[rpc.ServerError](err); ok {
		// The master refused the request (a result for a task it never put)
		// and kept the connection; the results it refused are not sent again.
		c.pending = c.pending[:0]
		return fmt.Errorf("the master refused: %s", string(se))
	}
	switch rerr := c.codec.readErr(); {
	case errors.Is(err, wire.ErrFrame):
		c.fail(err)
	case errors.Is(rerr, wire.ErrFrame):
		c.fail(fmt.Errorf("from the master: %w", rerr))
	case rerr != nil:
		c.fail(&lostError{cause: rerr})
	default:
		c.fail(&lostError{cause: err})
	}
	return c.err
}

// lostError is a connection that ended under the worker without the master
// saying the queues are closed: the master crashed, was killed, stopped
// answering, or the network broke. It is not [taskq.ErrClosed]: a worker
// reports it and exits 1, so that whoever supervises it can tell a crash
// from a clean end.
type lostError struct{ cause error }

func (e *lostError) Error() string { return "lost the connection to the master: " + e.cause.Error() }

func (e *lostError) Unwrap() error { return e.cause }

// fail makes err the answer to every later call and drops the connection.
func (c *Client) fail(err error) {
	c.err = err
	_ = c.rpc.Close()
}
