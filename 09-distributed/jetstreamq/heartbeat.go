package jetstreamq

import (
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// heldSet is the tasks a worker holds: delivered to it and not yet
// acknowledged, whether waiting in its buffer, being worked on, or
// answered with a result the server has not acknowledged yet. The worker's
// calls and its heartbeat share it.
type heldSet struct {
	mu   sync.Mutex
	msgs map[uint64]jetstream.Msg
}

// replace holds m for task id and says whether the task was held already.
func (h *heldSet) replace(id uint64, m jetstream.Msg) (was bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, was = h.msgs[id]
	h.msgs[id] = m
	return was
}

// remove lets go of task id.
func (h *heldSet) remove(id uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.msgs, id)
}

func (h *heldSet) all() []jetstream.Msg {
	h.mu.Lock()
	defer h.mu.Unlock()
	msgs := make([]jetstream.Msg, 0, len(h.msgs))
	for _, m := range h.msgs {
		msgs = append(msgs, m)
	}
	return msgs
}

// heartbeat keeps a worker's tasks from being redelivered while it is at
// them. The server redelivers a task when its ack wait passes without an
// acknowledgement; a task can take longer than that (the tutorial's take
// a second, a real one may take an hour), and taskq.Worker has no "still
// working" call. So while a worker holds tasks a goroutine tells the
// server so (InProgress, which restarts the ack wait) every quarter of the
// wait. A stopped worker (kill -STOP) sends nothing, so its tasks go to
// others after the ack wait; a dead one too.
type heartbeat struct {
	stop chan struct{}
	done chan struct{}
}

func startHeartbeat(held *heldSet, every time.Duration) *heartbeat {
	h := &heartbeat{stop: make(chan struct{}), done: make(chan struct{})}
	go h.run(held, max(every, time.Millisecond))
	return h
}

func (h *heartbeat) run(held *heldSet, every time.Duration) {
	defer close(h.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
		// InProgress only queues a message on the connection; a lost one
		// means the task may be redelivered, and its second result dropped.
		for _, m := range held.all() {
			_ = m.InProgress()
		}
	}
}

// end stops the heartbeat and waits for its goroutine.
func (h *heartbeat) end() {
	if h == nil {
		return
	}
	close(h.stop)
	<-h.done
}
