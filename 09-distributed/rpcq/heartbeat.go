package rpcq

import (
	"fmt"
	"net/rpc"
	"sync"
	"time"

	"multitask/09-distributed/taskq"
)

// heartbeat keeps a worker's leases alive while it works. A lease could be
// renewed by the worker's calls alone, but a worker busy with a task makes
// no call until the task is done, and a task may take longer than a lease
// (the tutorial's take a second each, a real one may take an hour): its
// task would go to another worker although it is alive and at it. So while
// the connection is open a goroutine calls Renew every quarter of the
// master's lease, one call at a time, each bounded by the call timeout. A
// stopped worker (kill -STOP) sends no heartbeat, so its lease runs out and
// its tasks go to others; when it wakes, its late results are dropped.
//
// The first failure is kept for the worker's next call to report; the
// heartbeat then stops.
type heartbeat struct {
	stop chan struct{}
	done chan struct{}

	mu  sync.Mutex
	err error
}

func startHeartbeat(rc *rpc.Client, every, timeout time.Duration) *heartbeat {
	h := &heartbeat{stop: make(chan struct{}), done: make(chan struct{})}
	go h.run(rc, every, timeout)
	return h
}

func (h *heartbeat) run(rc *rpc.Client, every, timeout time.Duration) {
	defer close(h.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
		var reply RenewReply
		call := rc.Go(serviceName+".Renew", RenewArgs{}, &reply, make(chan *rpc.Call, 1))
		wait.Reset(timeout)
		select {
		case <-h.stop:
			return // the worker closes the connection, which ends the call
		case <-wait.C:
			h.failed(&lostError{cause: fmt.Errorf("no answer to a heartbeat within %v", timeout)})
			return
		case <-call.Done:
		}
		switch {
		case call.Error != nil:
			h.failed(call.Error)
			return
		case reply.Closed:
			h.failed(taskq.ErrClosed)
			return
		}
	}
}

func (h *heartbeat) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
}

// failure is what ended the heartbeat, or nil while it goes on (or if there
// is none).
func (h *heartbeat) failure() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// end stops the heartbeat and waits for its goroutine. A nil heartbeat has
// nothing to stop.
func (h *heartbeat) end() {
	if h == nil {
		return
	}
	close(h.stop)
	<-h.done
}
