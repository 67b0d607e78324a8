package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"multitask/09-distributed/pythonq"
	"multitask/09-distributed/taskq"
)

// pythonTransport speaks Python's multiprocessing.managers (package
// pythonq): the master serves its hub as task_master.py's BaseManager
// does, so that the tutorial's own task_worker.py joins it, and a worker
// joins a master started from task_master.py. Tasks and results travel as
// Python's do, a number and a line of text.
var pythonTransport = transport{
	open: func(_ context.Context, o openOptions) (queues, error) {
		hub := taskq.NewHub(o.logf, taskq.LeaseFor(o.lease))
		srv, err := pythonq.Listen(o.addr, o.key, hub, pythonq.Options{HandshakeTimeout: o.handshake, Logf: o.logf})
		if err != nil {
			return nil, err
		}
		return &managerQueues{hub: hub, srv: srv}, nil
	},
	dial: func(ctx context.Context, o dialOptions) (taskq.Worker, error) {
		w, err := pythonq.Dial(ctx, o.addr, o.key, pythonq.Options{})
		if err != nil {
			return nil, err // not a nil *Worker inside the interface
		}
		return w, nil
	},
}

func init() { transports["python"] = pythonTransport }

// managerQueues are the python transport's queues: a hub, and the server
// that serves it as a Python manager.
type managerQueues struct {
	hub *taskq.Hub
	srv *pythonq.Server
}

func (q *managerQueues) PutTask(ctx context.Context, t taskq.Task) error {
	return q.hub.PutTask(ctx, t)
}

func (q *managerQueues) GetResult(ctx context.Context, timeout time.Duration) (taskq.Result, bool, error) {
	return q.hub.GetResult(ctx, timeout)
}

func (q *managerQueues) Addr() string { return q.srv.Addr().String() }

// CloseQueues closes the hub: a worker's get then raises queue.Empty, the
// only way Python's protocol has to say there is nothing more.
func (q *managerQueues) CloseQueues() { q.hub.Close() }

func (q *managerQueues) Close() error {
	q.hub.Close()
	return q.srv.Close()
}

func (q *managerQueues) Summary() []string {
	return []string{
		fmt.Sprintf("the queues lived in this process (pid %d); the workers reached them over Python's "+
			"multiprocessing.managers protocol on %s", os.Getpid(), q.Addr()),
		statsLine(q.hub.Stats()),
	}
}
