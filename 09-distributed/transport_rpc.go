package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
)

// rpcTransport is the default transport, package rpcq (see its README): the
// queues live in a taskq.Hub in the master's process, as in the tutorial,
// and rpcq serves the hub over net/rpc behind an authenticated handshake.
var rpcTransport = transport{
	open: func(_ context.Context, o openOptions) (queues, error) {
		hub := taskq.NewHub(o.logf, taskq.LeaseFor(o.lease))
		srv, err := rpcq.Listen(o.addr, o.key, hub, rpcq.Options{HandshakeTimeout: o.handshake, Logf: o.logf})
		if err != nil {
			return nil, err
		}
		return &hubQueues{hub: hub, srv: srv}, nil
	},
	dial: func(ctx context.Context, o dialOptions) (taskq.Worker, error) {
		return rpcq.Dial(ctx, o.addr, o.key, rpcq.Options{})
	},
}

// hubQueues are the rpc transport's queues: a hub, and the server that
// serves it.
type hubQueues struct {
	hub *taskq.Hub
	srv *rpcq.Server
}

func (q *hubQueues) PutTask(ctx context.Context, t taskq.Task) error { return q.hub.PutTask(ctx, t) }

func (q *hubQueues) GetResult(ctx context.Context, timeout time.Duration) (taskq.Result, bool, error) {
	return q.hub.GetResult(ctx, timeout)
}

func (q *hubQueues) Addr() string { return q.srv.Addr().String() }

func (q *hubQueues) CloseQueues() { q.hub.Close() }

// Close closes the queues first, so that workers waiting for a task are
// told the work is over, then the listener and every connection.
func (q *hubQueues) Close() error {
	q.hub.Close()
	return q.srv.Close()
}

func (q *hubQueues) Summary() []string {
	return []string{
		fmt.Sprintf("the queues lived in this process (pid %d); the workers reached them over rpc on %s", os.Getpid(), q.Addr()),
		statsLine(q.hub.Stats()),
	}
}

// defaultHandshake is the master's -handshake unless given.
const defaultHandshake = rpcq.DefaultHandshakeTimeout
