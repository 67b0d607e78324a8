package pythonq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"

	"multitask/09-distributed/pythonq/wire"
	"multitask/09-distributed/taskq"
)

// Worker is a Go worker of a master that speaks multiprocessing.managers: a
// Python master started from task_master.py, or a Go master of this
// transport. It does what a BaseManager client does: "dummy" to check the
// master, "create" for each registered queue, and a connection of its own
// per queue proxy, opened with "accept_connection".
type Worker struct {
	addr   string
	key    []byte
	opts   Options
	tasks  *proxy
	result *proxy
	nextID uint64 // the tasks' IDs: Python's carry none
	closed bool
}

// ErrMasterGone is what a worker hears when a Python master closes its
// connection. A Python master has no other way to say that the work is
// over: it shuts down when it has its results, so this is taskq.ErrClosed
// (errors.Is says so), not a crash. A master that crashed looks the same.
var ErrMasterGone error = masterGone{}

type masterGone struct{}

func (masterGone) Error() string {
	return "the master hung up, as a Python master does when its run is over"
}

func (masterGone) Is(target error) bool { return target == taskq.ErrClosed }

// Dial connects to the master at addr with key.
func Dial(ctx context.Context, addr string, key []byte, opts Options) (*Worker, error) {
	if len(key) == 0 {
		return nil, errors.New("pythonq: empty key")
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	w := &Worker{addr: addr, key: key, opts: opts.withDefaults()}
	if _, err := w.control(ctx, "dummy"); err != nil {
		return nil, err
	}
	var err error
	if w.tasks, err = w.openProxy(ctx, TaskQueueName); err != nil {
		return nil, err
	}
	if w.result, err = w.openProxy(ctx, ResultQueueName); err != nil {
		w.tasks.close()
		return nil, err
	}
	return w, nil
}

// GetTask asks the task queue for a task, waiting up to timeout: the
// tutorial's task.get(timeout=1). queue.Empty is ok == false. A timeout of
// zero or less does not wait; one longer than MaxWait takes several gets.
func (w *Worker) GetTask(ctx context.Context, timeout time.Duration) (taskq.Task, bool, error) {
	left := max(timeout, 0) // Python's get refuses a negative timeout
	for {
		round := min(left, MaxWait) // so that round plus CallTimeout cannot overflow
		t, ok, err := w.getTask(ctx, round)
		if ok || err != nil || left <= MaxWait {
			return t, ok, err
		}
		left -= round
	}
}

// getTask is one get, of a timeout of at most MaxWait.
func (w *Worker) getTask(ctx context.Context, timeout time.Duration) (taskq.Task, bool, error) {
	if w.closed {
		return taskq.Task{}, false, taskq.ErrClosed
	}
	v, err := w.tasks.call(ctx, "get", nil, map[string]any{"timeout": timeout.Seconds()}, timeout)
	if e, ok := errors.AsType[*wire.PyException](err); ok && e.Is(wire.QueueEmpty) {
		if len(e.Args) == 1 && e.Args[0] == closedNote {
			return taskq.Task{}, false, taskq.ErrClosed // a Go master's word that the work is over
		}
		return taskq.Task{}, false, nil
	}
	if err != nil {
		return taskq.Task{}, false, err
	}
	n, ok := taskNumber(v)
	if !ok {
		return taskq.Task{}, false, fmt.Errorf("the master put a task that is not a number: %s", pyRepr(v))
	}
	w.nextID++
	return taskq.Task{ID: w.nextID, N: n}, true, nil
}

// PutResult puts the result's text in the result queue: result.put(r).
func (w *Worker) PutResult(ctx context.Context, r taskq.Result) error {
	if w.closed {
		return taskq.ErrClosed
	}
	_, err := w.result.call(ctx, "put", wire.Tuple{r.Text}, nil, 0)
	return err
}

// Close says goodbye as a Python client does at exit, by releasing its
// proxies, and closes the connections. Results are never held back, so
// there is nothing to send.
func (w *Worker) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.HandshakeTimeout)
	defer cancel()
	for _, p := range []*proxy{w.tasks, w.result} {
		p.close()
		// Best effort: a Python master that has shut down is not there to
		// hear it, and that is no error of the worker's.
		_, _ = w.control(ctx, "decref", p.id)
	}
	return nil
}

func taskNumber(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), int64(int(n)) == n
	case *big.Int:
		return 0, false
	}
	return 0, false
}

// dial opens a connection to the master and passes the mutual challenge.
func (w *Worker) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", w.addr)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(w.opts.HandshakeTimeout))
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	// The two halves of the handshake one by one, to say which side
	// refused: the master our key, or we the master's.
	err = wire.Answer(c, w.key)
	if errors.Is(err, wire.ErrAuth) {
		err = fmt.Errorf("%w: the master refused our key (master and workers need the same key)", wire.ErrAuth)
	} else if err == nil {
		if err = wire.Deliver(c, w.key, w.opts.Form); errors.Is(err, wire.ErrAuth) {
			err = fmt.Errorf("%w: the master could not prove it knows the key", wire.ErrAuth)
		}
	}
	if err != nil {
		_ = c.Close()
		switch {
		case errors.Is(err, wire.ErrAuth):
			return nil, err
		case errors.Is(err, wire.ErrNotManager):
			return nil, err
		case errors.Is(err, context.Canceled), ctx.Err() != nil:
			return nil, ctx.Err()
		case isTimeout(err):
			return nil, fmt.Errorf("no handshake within %v (is it a master of another transport?)", w.opts.HandshakeTimeout)
		}
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

// control sends one manager request on a connection of its own, as a
// Python client does, and returns the reply's value.
func (w *Worker) control(ctx context.Context, method string, args ...any) (any, error) {
	c, err := w.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	p := &proxy{c: c, w: w}
	return p.roundTrip(ctx, wire.Request{Method: method, Args: wire.Tuple(args)}, 0)
}

// openProxy creates the registered queue name and opens the proxy's own
// connection to it.
func (w *Worker) openProxy(ctx context.Context, name string) (*proxy, error) {
	v, err := w.control(ctx, "create", name)
	if err != nil {
		return nil, fmt.Errorf("get the master's %s: %w", name, err)
	}
	t, ok := v.(wire.Tuple)
	if !ok || len(t) != 2 {
		return nil, fmt.Errorf("get the master's %s: the master answered %s", name, pyRepr(v))
	}
	id, ok := t[0].(string)
	if !ok {
		return nil, fmt.Errorf("get the master's %s: an object ID that is not a str", name)
	}
	c, err := w.dial(ctx)
	if err != nil {
		return nil, err
	}
	p := &proxy{c: c, w: w, id: id}
	if _, err := p.roundTrip(ctx, wire.Request{Method: "accept_connection", Args: wire.Tuple{"MainProcess"}}, 0); err != nil {
		p.close()
		return nil, fmt.Errorf("get the master's %s: %w", name, err)
	}
	return p, nil
}

// proxy is the connection of one queue proxy.
type proxy struct {
	c  net.Conn
	w  *Worker
	id string
}

func (p *proxy) close() { _ = p.c.Close() }

// call calls the proxy's method, waiting up to wait plus CallTimeout for
// the reply.
func (p *proxy) call(ctx context.Context, method string, args wire.Tuple, kwds map[string]any, wait time.Duration) (any, error) {
	return p.roundTrip(ctx, wire.Request{Ident: p.id, Method: method, Args: args, Kwds: kwds}, wait)
}

// roundTrip sends req and reads its reply. A reply that raises an
// exception is returned as the *wire.PyException; a traceback as an error
// with its last line; a connection the master closed as ErrMasterGone.
func (p *proxy) roundTrip(ctx context.Context, req wire.Request, wait time.Duration) (any, error) {
	msg, err := wire.EncodeRequest(req)
	if err != nil {
		return nil, err
	}
	_ = p.c.SetDeadline(time.Now().Add(wait + p.w.opts.CallTimeout))
	stop := context.AfterFunc(ctx, func() { _ = p.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := wire.WriteFrame(p.c, msg); err != nil {
		return nil, p.lost(ctx, err)
	}
	frame, err := wire.ReadFrame(p.c, p.w.opts.MaxFrame)
	if err != nil {
		return nil, p.lost(ctx, err)
	}
	reply, err := wire.DecodeReply(frame)
	if err != nil {
		return nil, fmt.Errorf("the master's reply to %s: %w", req.Method, err)
	}
	switch reply.Kind {
	case wire.KindReturn:
		return reply.Value, nil
	case wire.KindError:
		return nil, reply.Value.(*wire.PyException)
	case wire.KindTraceback, wire.KindUnserializable:
		return nil, fmt.Errorf("the master failed at %s: %s", req.Method, lastLine(fmt.Sprint(reply.Value)))
	}
	return nil, fmt.Errorf("the master answered %s with %s, which a queue never sends", req.Method, reply.Kind)
}

// lost says why a connection failed: the caller's context, the master's
// silence, or the master closing it.
func (p *proxy) lost(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isReset(err):
		return ErrMasterGone
	case isTimeout(err):
		return fmt.Errorf("lost the connection to the master: no reply within %v", p.w.opts.CallTimeout)
	}
	return fmt.Errorf("lost the connection to the master: %w", err)
}

func lastLine(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
