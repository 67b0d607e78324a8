// Package taskq holds the two queues of the tutorial's distributed example, a
// task queue and a result queue, as a master and its workers see them.
//
// In Python's version the queues live in the master's process and the workers
// hold proxies to them; the master and the workers call the same put and get.
// Here the master's side is [Master] and a worker's side is [Worker], two
// interfaces of two methods each. The master and worker logic is written
// against them once; a transport (package rpcq is the first) carries a
// worker's calls to the master's [Hub] over the network.
//
// The hub is where the rules that Python leaves out are kept, whatever the
// transport:
//   - A task a worker has taken is leased to that worker's [Session]. When the
//     session ends before the task's result came back (the worker died, or its
//     connection broke), or with [LeaseFor] when it shows no sign of life for
//     a lease's length, the task is put back in the queue: at-least-once
//     delivery.
//   - Each result carries its task's ID, and only the session holding the
//     task's lease may answer it. Its result is kept; a later one is a
//     duplicate and is dropped, and so is a late one from a session whose
//     lease ran out; a result for a task that was never put, or that the
//     sender does not hold, is refused with an [UnknownTaskError] or a
//     [NotLeasedError].
//   - An empty queue is an ordinary outcome: Get returns ok == false when its
//     timeout passes, never an error or a panic.
package taskq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Task is one piece of work: square N. ID names the task in its result.
type Task struct {
	ID uint64
	N  int
}

// Result is a worker's answer to the task with ID TaskID.
type Result struct {
	TaskID uint64
	Text   string
}

// Master is the master's side of the queues: it puts tasks and gets results.
type Master interface {
	// PutTask adds t to the task queue. IDs must be unique.
	PutTask(ctx context.Context, t Task) error
	// GetResult waits up to timeout for the next result. ok is false when
	// none came in time: that is not an error.
	GetResult(ctx context.Context, timeout time.Duration) (r Result, ok bool, err error)
}

// Worker is a worker's side of the queues: it gets tasks and puts results.
type Worker interface {
	// GetTask waits up to timeout for a task. ok is false when the queue
	// stayed empty that long; err is [ErrClosed] once the master has gone.
	GetTask(ctx context.Context, timeout time.Duration) (t Task, ok bool, err error)
	// PutResult hands in the result of a task this worker got. A transport
	// may hold it back briefly to send several at once; Close sends the rest.
	PutResult(ctx context.Context, r Result) error
	// Close sends any result still held back and ends the session. Tasks the
	// worker got but did not answer go back to the queue for someone else.
	Close() error
}

// ErrClosed means the queues are gone: the master closed them or went away.
var ErrClosed = errors.New("the master has closed the queues")

// NotLeasedError refuses results for tasks the sender does not hold: tasks
// still in the queue, or leased to another worker. Only the worker a task is
// leased to may answer it.
type NotLeasedError struct {
	IDs []uint64
}

func (e *NotLeasedError) Error() string {
	return "result for task " + joinIDs(e.IDs) + ", not leased to this worker"
}

// UnknownTaskError refuses results for tasks the master never put.
type UnknownTaskError struct {
	IDs []uint64
}

func (e *UnknownTaskError) Error() string {
	return "result for unknown task " + joinIDs(e.IDs)
}

// joinIDs lists IDs, shortened after a few so that an error stays one
// readable line.
func joinIDs(ids []uint64) string {
	shown := make([]string, 0, min(len(ids), listMax))
	for _, id := range ids[:min(len(ids), listMax)] {
		shown = append(shown, fmt.Sprint(id))
	}
	return strings.Join(shown, ", ") + more(len(ids))
}
