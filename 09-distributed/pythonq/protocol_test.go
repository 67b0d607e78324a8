package pythonq

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"multitask/09-distributed/pythonq/wire"
)

// These tests send a manager's requests one by one, as a Python client
// would, and check each answer against what a BaseManager gives.

func TestControlRequests(t *testing.T) {
	m := startMaster(t, Options{})
	assert.Equal(t, wire.Reply{Kind: wire.KindReturn}, control(t, m, "dummy"))

	for name, id := range map[string]string{TaskQueueName: taskQueueID, ResultQueueName: resultQueueID} {
		r := control(t, m, "create", name)
		require.Equal(t, wire.KindReturn, r.Kind, "%+v", r)
		v := r.Value.(wire.Tuple)
		assert.Equal(t, id, v[0])
		assert.ElementsMatch(t, wire.Tuple{"empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done"},
			v[1], "a proxy of %s has a Queue's methods", name)
		for _, method := range []string{"incref", "decref"} {
			assert.Equal(t, wire.Reply{Kind: wire.KindReturn}, control(t, m, method, id), "%s of %s", method, name)
		}
	}
}

func TestControlRequestsThatFailAreRemoteErrors(t *testing.T) {
	m := startMaster(t, Options{})
	// A Python client raises RemoteError with the text of a #TRACEBACK.
	traceback := func(t *testing.T, r wire.Reply, class string) {
		t.Helper()
		require.Equal(t, wire.KindTraceback, r.Kind, "%+v", r)
		assert.Contains(t, r.Value, class+":")
	}
	traceback(t, control(t, m, "create", "get_secret_queue"), "KeyError")
	traceback(t, control(t, m, "create"), "TypeError")
	traceback(t, control(t, m, "incref", "no-such-id"), "KeyError")
	traceback(t, control(t, m, "decref", "no-such-id"), "KeyError")
	traceback(t, control(t, m, "decref"), "KeyError")
	traceback(t, control(t, m, "shutdown"), "RuntimeError")
	traceback(t, control(t, m, "__init__"), "AssertionError")

	// The Go worker of this transport says so in its error.
	w := dial(t, m, Options{})
	_, err := w.control(bounded(t), "create", "get_secret_queue")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the master failed at create: KeyError: "get_secret_queue"`)
}

func TestProxyCalls(t *testing.T) {
	m := startMaster(t, Options{})
	m.put(t, 31, 32)
	tasks, results := proxyConn(t, m), proxyConn(t, m)

	size := func(c net.Conn, id string) (qsize, empty, full any) {
		t.Helper()
		return call(t, c, id, "qsize", nil, nil).Value, call(t, c, id, "empty", nil, nil).Value, call(t, c, id, "full", nil, nil).Value
	}
	q, e, f := size(tasks, taskQueueID)
	assert.Equal(t, []any{int64(2), false, false}, []any{q, e, f}, "qsize, empty, full of the task queue")
	q, e, f = size(results, resultQueueID)
	assert.Equal(t, []any{int64(0), true, false}, []any{q, e, f}, "qsize, empty, full of the result queue")

	assert.Equal(t, int64(31), call(t, tasks, taskQueueID, "get", nil, nil).Value)
	assert.Equal(t, wire.Reply{Kind: wire.KindReturn}, call(t, results, resultQueueID, "put", wire.Tuple{square(31)}, nil))
	q, e, _ = size(tasks, taskQueueID)
	assert.Equal(t, []any{int64(1), false}, []any{q, e})
	q, e, _ = size(results, resultQueueID)
	assert.Equal(t, []any{int64(1), false}, []any{q, e})

	x := raised(t, call(t, tasks, taskQueueID, "put", wire.Tuple{int64(99)}, nil))
	assert.Equal(t, "builtins.RuntimeError", x.Module+"."+x.Name, "put on the task queue")
	x = raised(t, call(t, results, resultQueueID, "get", nil, nil))
	assert.Equal(t, "builtins.RuntimeError", x.Module+"."+x.Name, "get on the result queue")
	for _, method := range []string{"join", "task_done", "__reduce__", "nonsense"} {
		x = raised(t, call(t, tasks, taskQueueID, method, nil, nil))
		assert.Equal(t, "builtins.AttributeError", x.Module+"."+x.Name, "%s, not exposed", method)
	}
	r := call(t, tasks, "no-such-id", "get", nil, nil)
	assert.Equal(t, wire.KindTraceback, r.Kind, "a call of an unknown object: %+v", r)
	assert.Equal(t, int64(32), call(t, tasks, taskQueueID, "get_nowait", nil, nil).Value, "the connection is still served")
}

func TestGetTakesBlockAndTimeoutAsQueueGetDoes(t *testing.T) {
	m := startMaster(t, Options{})
	c := proxyConn(t, m)
	get := func(args wire.Tuple, kwds map[string]any) wire.Reply {
		t.Helper()
		return call(t, c, taskQueueID, "get", args, kwds)
	}
	empty := func(t *testing.T, r wire.Reply) {
		t.Helper()
		assert.ErrorIs(t, raised(t, r), wire.QueueEmpty)
	}
	raisesClass := func(t *testing.T, r wire.Reply, class string) {
		t.Helper()
		x := raised(t, r)
		assert.Equal(t, "builtins."+class, x.Module+"."+x.Name, "%v", x)
	}

	t.Run("block=False", func(t *testing.T) {
		empty(t, get(wire.Tuple{false}, nil))
		empty(t, get(nil, map[string]any{"block": false, "timeout": int64(3600)}))
		empty(t, call(t, c, taskQueueID, "get_nowait", nil, nil))
		m.put(t, 1)
		assert.Equal(t, int64(1), get(wire.Tuple{false}, nil).Value)
	})
	t.Run("timeout as int and float", func(t *testing.T) {
		empty(t, get(nil, map[string]any{"timeout": int64(0)}))
		start := time.Now()
		empty(t, get(wire.Tuple{true, 0.1}, nil))
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "a float timeout is waited")
		m.put(t, 2, 3)
		assert.Equal(t, int64(2), get(nil, map[string]any{"timeout": int64(1)}).Value)
		assert.Equal(t, int64(3), get(nil, map[string]any{"timeout": 2.5}).Value)
	})
	t.Run("bad timeouts", func(t *testing.T) {
		raisesClass(t, get(nil, map[string]any{"timeout": int64(-1)}), "ValueError")
		raisesClass(t, get(nil, map[string]any{"timeout": -0.5}), "ValueError")
		raisesClass(t, get(nil, map[string]any{"timeout": "1"}), "TypeError")
		raisesClass(t, get(wire.Tuple{true, 1.0, "extra"}, nil), "TypeError")
	})
	t.Run("timeout=None waits for a task", func(t *testing.T) {
		send(t, c, wire.Request{Ident: taskQueueID, Method: "get", Kwds: map[string]any{"timeout": nil}})
		// Nothing comes while the queue is empty...
		require.NoError(t, c.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
		p, err := wire.ReadFrame(c, DefaultMaxFrame)
		require.True(t, errors.Is(err, os.ErrDeadlineExceeded), "a reply before any task: %q, %v", p, err)
		// ...and the task put later is the reply.
		require.NoError(t, c.SetReadDeadline(time.Now().Add(patience)))
		m.put(t, 4)
		assert.Equal(t, int64(4), reply(t, c).Value)
	})
}
