package pythonq

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"multitask/09-distributed/pythonq/wire"
)

// The names a worker asks for, as task_master.py registers them, and the
// object IDs their proxies get. A Python manager's IDs are hex numbers;
// any string does, and these say what they are.
const (
	TaskQueueName   = "get_task_queue"
	ResultQueueName = "get_result_queue"

	taskQueueID   = "task-queue"
	resultQueueID = "result-queue"
)

// queueMethods are what a Python proxy of a queue.Queue may call: the
// public methods of the class, in the order Python lists them.
var queueMethods = wire.Tuple{"empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done"}

// control answers a manager request, one per connection, as Python's
// Server.handle_request does. proxy is true after "accept_connection": the
// connection then carries a proxy's calls.
func (s *Server) control(req wire.Request) (reply wire.Reply, proxy bool) {
	if req.Ident != nil {
		return traceback("AssertionError", fmt.Sprintf("%q unrecognized", req.Method)), false
	}
	switch req.Method {
	case "dummy":
		return wire.Reply{Kind: wire.KindReturn}, false
	case "create":
		if len(req.Args) != 1 {
			return traceback("TypeError", "create() takes the registered name"), false
		}
		switch req.Args[0] {
		case TaskQueueName:
			return wire.Reply{Kind: wire.KindReturn, Value: wire.Tuple{taskQueueID, queueMethods}}, false
		case ResultQueueName:
			return wire.Reply{Kind: wire.KindReturn, Value: wire.Tuple{resultQueueID, queueMethods}}, false
		}
		return traceback("KeyError", fmt.Sprintf("%v: this master registers %s and %s", pyRepr(req.Args[0]), TaskQueueName, ResultQueueName)), false
	case "incref", "decref":
		// The queues live as long as the master: the references a client
		// counts change nothing.
		if len(req.Args) != 1 || (req.Args[0] != taskQueueID && req.Args[0] != resultQueueID) {
			return traceback("KeyError", fmt.Sprintf("no object %v", pyRepr(firstArg(req.Args)))), false
		}
		return wire.Reply{Kind: wire.KindReturn}, false
	case "accept_connection":
		return wire.Reply{Kind: wire.KindReturn}, true
	case "shutdown", "get_methods", "debug_info", "number_of_objects":
		return traceback("RuntimeError", fmt.Sprintf("%s is not served by this Go master", req.Method)), false
	}
	return traceback("AssertionError", fmt.Sprintf("%q unrecognized", req.Method)), false
}

// call answers one proxy call, as Python's Server.serve_client does: an
// unknown object is a traceback, a method the object does not expose an
// AttributeError, and a queue method's own exception (queue.Empty) is
// raised in the caller.
func (c *conn) call(req wire.Request) wire.Reply {
	id, _ := req.Ident.(string)
	switch id {
	case taskQueueID:
		return c.taskQueue(req)
	case resultQueueID:
		return c.resultQueue(req)
	}
	return traceback("KeyError", pyRepr(req.Ident))
}

func (c *conn) taskQueue(req wire.Request) wire.Reply {
	switch req.Method {
	case "get", "get_nowait":
		wait, err := getWait(req)
		if err != nil {
			return raise(err)
		}
		return c.get(wait)
	case "qsize", "empty", "full":
		tasks, _ := c.s.hub.Sizes()
		return sizeReply(req.Method, tasks)
	case "put", "put_nowait":
		return raise(&wire.PyException{Module: "builtins", Name: "RuntimeError",
			Args: []any{"only the Go master puts tasks in its task queue"}})
	}
	return notExposed(req.Method)
}

func (c *conn) resultQueue(req wire.Request) wire.Reply {
	switch req.Method {
	case "put", "put_nowait":
		if len(req.Args) < 1 {
			return raise(typeError("put() missing 1 required positional argument: 'item'"))
		}
		c.s.match.answer(c.from, req.Args[0])
		return wire.Reply{Kind: wire.KindReturn}
	case "qsize", "empty", "full":
		_, results := c.s.hub.Sizes()
		return sizeReply(req.Method, results)
	case "get", "get_nowait":
		return raise(&wire.PyException{Module: "builtins", Name: "RuntimeError",
			Args: []any{"only the Go master takes results from its result queue"}})
	}
	return notExposed(req.Method)
}

// get hands out the next task, leased to this connection's session, or
// raises queue.Empty when none came within wait. Once the master has closed
// the queues, or the server is closing, every get raises queue.Empty at
// once: the Python worker then ends as it does when the queue runs dry.
func (c *conn) get(wait time.Duration) wire.Reply {
	if c.s.ctx.Err() != nil {
		return raise(closedEmpty) // no task goes to a connection about to be cut
	}
	if c.session == nil {
		c.session = c.s.hub.Connect(c.from)
	}
	for {
		round := min(wait, MaxWait)
		task, ok, err := c.session.GetTask(c.s.ctx, round)
		switch {
		case err != nil:
			return raise(closedEmpty)
		case ok:
			c.s.match.handedOut(c.session, task)
			return wire.Reply{Kind: wire.KindReturn, Value: int64(task.N)}
		case wait <= MaxWait:
			return raise(wire.QueueEmpty)
		}
		wait -= round
	}
}

// closedEmpty is the queue.Empty a get raises once the master has closed
// the queues. A Python worker catches it as any queue.Empty; its argument
// tells a Go worker of this transport that the work is over, where an
// empty queue might fill again.
var closedEmpty = &wire.PyException{Module: "_queue", Name: "Empty", Args: []any{closedNote}}

const closedNote = "the master has closed the queues"

// forever is the wait of a get without a timeout.
const forever = time.Duration(math.MaxInt64)

// getWait reads get's block and timeout, positional or by keyword, as
// queue.Queue.get takes them; get_nowait does not wait.
func getWait(req wire.Request) (time.Duration, error) {
	if req.Method == "get_nowait" {
		return 0, nil
	}
	block, timeout := any(true), any(nil)
	if len(req.Args) > 0 {
		block = req.Args[0]
	}
	if len(req.Args) > 1 {
		timeout = req.Args[1]
	}
	if v, ok := req.Kwds["block"]; ok {
		block = v
	}
	if v, ok := req.Kwds["timeout"]; ok {
		timeout = v
	}
	if len(req.Args) > 2 {
		return 0, typeError("get() takes at most 2 arguments")
	}
	if b, ok := block.(bool); ok && !b {
		return 0, nil
	}
	if timeout == nil {
		return forever, nil
	}
	seconds, ok := number(timeout)
	if !ok || math.IsNaN(seconds) {
		return 0, typeError(fmt.Sprintf("'timeout' must be a number, not %s", pyRepr(timeout)))
	}
	if seconds < 0 {
		return 0, &wire.PyException{Module: "builtins", Name: "ValueError", Args: []any{"'timeout' must be a non-negative number"}}
	}
	if seconds >= forever.Seconds() {
		return forever, nil
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case bool:
		if n {
			return 1, true
		}
		return 0, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(n).Float64()
		return f, true
	}
	return 0, false
}

func sizeReply(method string, n int) wire.Reply {
	switch method {
	case "qsize":
		return wire.Reply{Kind: wire.KindReturn, Value: int64(n)}
	case "empty":
		return wire.Reply{Kind: wire.KindReturn, Value: n == 0}
	}
	return wire.Reply{Kind: wire.KindReturn, Value: false} // full: the queues have no bound
}

func notExposed(method string) wire.Reply {
	return raise(&wire.PyException{Module: "builtins", Name: "AttributeError",
		Args: []any{fmt.Sprintf("method %q of queue.Queue is not served by this Go master", method)}})
}

func typeError(msg string) *wire.PyException {
	return &wire.PyException{Module: "builtins", Name: "TypeError", Args: []any{msg}}
}

// raise is a reply that raises e in the caller.
func raise(err error) wire.Reply {
	var e *wire.PyException
	if !errors.As(err, &e) {
		e = &wire.PyException{Module: "builtins", Name: "RuntimeError", Args: []any{err.Error()}}
	}
	return wire.Reply{Kind: wire.KindError, Value: e}
}

// traceback is a reply that makes the caller raise RemoteError with text,
// as a Python manager does when a request itself fails.
func traceback(class, msg string) wire.Reply {
	return wire.Reply{Kind: wire.KindTraceback, Value: fmt.Sprintf("Traceback (the Go master):\n%s: %s\n", class, msg)}
}

func firstArg(args wire.Tuple) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// pyRepr writes a decoded value roughly as Python's repr would, for a
// message.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}
