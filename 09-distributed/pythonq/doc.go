// Package pythonq speaks the protocol of Python's multiprocessing.managers,
// so that the tutorial's own task_master.py and task_worker.py mix with the
// Go port: Python workers join a Go master, and a Go worker joins a Python
// master, with the tutorial's authkey.
//
// As a master, a [Server] serves the queues of a [taskq.Hub] the way a
// BaseManager serves its registered get_task_queue and get_result_queue:
// every connection starts with the mutual challenge (package wire, both of
// Python's forms), then carries one control request ("dummy", "create",
// "incref", "decref") or, after "accept_connection", a proxy's method calls
// (put, get with and without a timeout, get_nowait, qsize, empty, full).
// queue.Empty travels as the real exception, so a Python worker catches it
// as it would from a Python master.
//
// As a worker, a [Worker] connects to a Python master as a BaseManager
// client does, and is a [taskq.Worker] for the Go worker's loop.
//
// Python's queues carry bare values: a task is the number, a result the
// text "n * n = m", with no task ID. The hub's rules need one, so the
// server ties a result to the task it answers by the number it starts with
// (see match.go): the oldest task handed out with that number and not yet
// answered. Leases work as with the other transports: a task goes back to
// the queue when the connection that took it ends, or when its worker shows
// no sign of life for a lease (a Python worker calls nothing while it
// works, so give -lease room for the longest task).
//
// Unlike a Python master, the Go side runs nothing that a pickle names:
// package wire decodes only plain values and a few exception classes, and a
// connection that sends anything else is closed with one line in the log,
// while the master goes on serving the others.
package pythonq
