package jetstreamq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"multitask/09-distributed/taskq"
)

// prefetchFor is how much work a worker fetches at once: as many tasks as
// it finished in the last prefetchFor, between 1 and its MaxBatch. A worker
// that takes a second per task fetches one at a time, so the tasks spread
// over all workers as in the tutorial.
const prefetchFor = 5 * time.Millisecond

// lostLimit is how long a worker waiting for tasks keeps trying to reach a
// server it has lost before it gives up: the server may be restarting,
// but a master that crashed must not leave its workers waiting forever.
const lostLimit = 10 * time.Second

// Worker is a worker's side of the queues over JetStream: it pulls tasks
// from the workers' durable consumer and publishes results. It implements
// [taskq.Worker]. It is not safe for concurrent use: a worker takes one
// task at a time.
type Worker struct {
	nc        *nats.Conn
	js        jetstream.JetStream
	n         names
	url       string
	tasks     jetstream.Consumer
	maxBatch  int
	lostLimit time.Duration
	hb        *heartbeat

	// masterClosed ends when the master says the queues are closed (or
	// when Close is done), waking a fetch that waits for tasks.
	masterClosed context.Context
	closedNow    context.CancelFunc
	stateSub     *nats.Subscription

	held *heldSet // every task delivered and not yet acknowledged

	buf       []fetched                // fetched, not handed out yet
	out       map[uint64]jetstream.Msg // handed out, no result yet
	answering []answer                 // results published, not yet acknowledged
	batchAt   time.Time                // when the last batch arrived
	batchLen  int                      // how many tasks it held
	err       error                    // once set, every call returns it
	stats     WorkerStats
	closed    bool
}

type fetched struct {
	task taskq.Task
	msg  jetstream.Msg
}

// answer is a result on its way: its task is acknowledged when the server
// has acknowledged the result.
type answer struct {
	id     uint64
	task   jetstream.Msg
	future jetstream.PubAckFuture
}

// WorkerStats counts what a worker did.
type WorkerStats struct {
	Tasks      int // tasks handed out by GetTask
	Results    int // results the server stored
	Duplicates int // results the server already had: another worker answered first
}

// DialWorker connects to the NATS server at url with key and finds the
// run's task queue, which the master must have made.
func DialWorker(ctx context.Context, url string, key []byte, opts WorkerOptions) (*Worker, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	n, err := namesFor(o.Name)
	if err != nil {
		return nil, err
	}
	nc, err := connect(url, key, "taskq worker", o.Logf, o.NATS)
	if err != nil {
		return nil, err
	}
	w := &Worker{
		nc:        nc,
		n:         n,
		url:       url,
		maxBatch:  o.MaxBatch,
		lostLimit: lostLimit,
		held:      &heldSet{msgs: make(map[uint64]jetstream.Msg)},
		out:       make(map[uint64]jetstream.Msg),
	}
	w.masterClosed, w.closedNow = context.WithCancel(context.Background())
	if err := w.open(ctx); err != nil {
		w.closedNow()
		nc.Close()
		return nil, err
	}
	return w, nil
}

func (w *Worker) open(ctx context.Context) error {
	// A result's publish waits for the server's answer at most as long as a
	// master's put: a server that went away mid-answer must not hold the
	// worker forever.
	js, err := jetstream.New(w.nc, jetstream.WithPublishAsyncTimeout(putAckTimeout))
	if err != nil {
		return err
	}
	w.js = js
	w.tasks, err = js.Consumer(ctx, w.n.tasks, w.n.workers)
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("no task queue %q on %s: is the master running, with the same run name?", w.n.tasks, w.url)
	}
	if err != nil {
		return notJetStream(err)
	}
	// Subscribe first, then read the last state: a "closed" said in between
	// arrives by the subscription.
	w.stateSub, err = w.nc.Subscribe(w.n.state, func(m *nats.Msg) {
		if string(m.Data) == stateClosed {
			w.closedNow()
		}
	})
	if err != nil {
		return err
	}
	state, err := lastState(ctx, js, w.n)
	if err != nil {
		return err
	}
	if state == stateClosed {
		w.closedNow()
	}
	w.hb = startHeartbeat(w.held, w.tasks.CachedInfo().Config.AckWait/4)
	return nil
}

func (w *Worker) closedByMaster() bool { return w.masterClosed.Err() != nil }

// GetTask returns the next task fetched, fetching more when none is left.
// The task is held until PutResult's result has been stored; while it is
// held the worker tells the server it is still at it, every quarter of
// the ack wait. GetTask returns [taskq.ErrClosed] once the master has
// closed the queues, and an error if the connection to the server stayed
// lost for the whole wait.
func (w *Worker) GetTask(ctx context.Context, timeout time.Duration) (taskq.Task, bool, error) {
	if w.closed {
		return taskq.Task{}, false, taskq.ErrClosed
	}
	if w.err != nil {
		return taskq.Task{}, false, w.err
	}
	if w.closedByMaster() {
		return taskq.Task{}, false, w.closeErr(ctx)
	}
	if len(w.buf) == 0 {
		// The server's answers to the results on their way are handled as
		// they come, while more tasks are fetched: neither waits for the
		// other. Before waiting for tasks that are not there yet, every
		// result goes in, so that no answered task waits unacknowledged.
		if err := w.settleUpTo(ctx, w.maxBatch); err != nil {
			return taskq.Task{}, false, err
		}
		if err := w.fill(ctx, 0); err != nil {
			return taskq.Task{}, false, err
		}
		if len(w.buf) == 0 {
			if err := w.settle(ctx); err != nil {
				return taskq.Task{}, false, err
			}
			if err := w.fill(ctx, timeout); err != nil || len(w.buf) == 0 {
				return taskq.Task{}, false, err
			}
		}
	}
	f := w.buf[0]
	w.buf = w.buf[1:]
	w.out[f.task.ID] = f.msg
	w.stats.Tasks++
	return f.task, true, nil
}

// closeErr is what a call returns once the master has closed the queues:
// the results on their way go in first. A master closes the queues only
// when it has every result, so a result whose answer does not come soon
// (the broker went down with its master) was not needed: the worker is
// told the queues are closed, not that the connection broke.
func (w *Worker) closeErr(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, settleAfterClose)
	defer cancel()
	if err := w.settle(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return taskq.ErrClosed
}

// settleAfterClose is how long a worker waits for the server's answers to
// its results once the master has closed the queues.
const settleAfterClose = 2 * time.Second

// fill fetches tasks into buf, waiting up to timeout for the first. While
// the connection is lost it waits for it to come back, up to lostLimit.
func (w *Worker) fill(ctx context.Context, timeout time.Duration) error {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(w.masterClosed, cancel)
	defer stop()
	deadline := time.Now().Add(timeout)
	var lostSince time.Time
	for {
		var err error
		if w.nc.IsConnected() {
			lostSince = time.Time{}
			var msgs []jetstream.Msg
			msgs, err = fetch(fctx, w.tasks, w.want(), time.Until(deadline))
			w.keep(msgs)
		} else {
			if lostSince.IsZero() {
				lostSince = time.Now()
			}
			left := w.lostLimit - time.Since(lostSince)
			if w.nc.IsClosed() || left <= 0 {
				return w.fail(&lostError{url: w.url, cause: nats.ErrDisconnected})
			}
			w.awaitConnection(fctx, min(left, max(time.Until(deadline), 0)))
		}
		switch {
		case w.closedByMaster():
			return w.closeErr(ctx)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, jetstream.ErrConsumerDeleted), errors.Is(err, jetstream.ErrConsumerNotFound):
			return taskq.ErrClosed // the run's queues are gone
		case err != nil && len(w.buf) == 0:
			return w.fail(&lostError{url: w.url, cause: err})
		case len(w.buf) > 0:
			return nil
		case time.Until(deadline) <= 0:
			if !w.nc.IsConnected() {
				return w.fail(&lostError{url: w.url, cause: nats.ErrDisconnected})
			}
			return nil
		}
	}
}

// awaitConnection waits up to d for the lost connection to come back (or
// to close for good).
func (w *Worker) awaitConnection(ctx context.Context, d time.Duration) {
	changed := w.nc.StatusChanged(nats.CONNECTED, nats.CLOSED)
	defer w.nc.RemoveStatusListener(changed)
	if w.nc.IsConnected() || w.nc.IsClosed() {
		return // it changed before the listener was there
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-ctx.Done():
	}
}

// want is how many tasks to fetch: about prefetchFor's worth at the pace
// the last batch went.
func (w *Worker) want() int {
	if w.batchLen == 0 {
		return 1
	}
	per := time.Since(w.batchAt) / time.Duration(w.batchLen)
	if per <= 0 {
		return w.maxBatch
	}
	return int(min(max(prefetchFor/per, 1), time.Duration(w.maxBatch)))
}

// keep adds fetched task messages to buf and to the held set.
func (w *Worker) keep(msgs []jetstream.Msg) {
	kept := 0
	for _, m := range msgs {
		id, err := idOf(m.Subject(), w.n.taskPrefix)
		var n int64
		if err == nil {
			n, err = strconv.ParseInt(string(m.Data()), 10, 0)
		}
		if err != nil {
			// Not a task this worker can do; nobody can. Term stops its
			// redelivery.
			_ = m.TermWithReason(err.Error())
			continue
		}
		if w.held.replace(id, m) {
			// A redelivery of a task this worker holds: its sign of life
			// came too late. It is the same stream message, acknowledged
			// through either delivery; the worker does it once.
			continue
		}
		w.buf = append(w.buf, fetched{task: taskq.Task{ID: id, N: int(n)}, msg: m})
		kept++
	}
	if kept > 0 {
		w.batchAt, w.batchLen = time.Now(), kept
	}
}

// PutResult publishes r for the task this worker got with its ID; only a
// task the worker holds can be answered ([taskq.NotLeasedError] otherwise).
// The task is acknowledged once the server has stored the result: if the
// worker dies before, the task is redelivered and done again, and the
// second result is dropped. PutResult does not wait for the server; the
// next GetTask or Close does. A result put after the master closed the
// queues is still stored, for a master that resumes the run.
func (w *Worker) PutResult(ctx context.Context, r taskq.Result) error {
	if w.closed {
		return taskq.ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	task, ok := w.out[r.TaskID]
	if !ok {
		return &taskq.NotLeasedError{IDs: []uint64{r.TaskID}}
	}
	msg := &nats.Msg{
		Subject: w.n.resultSubject(r.TaskID),
		Data:    []byte(r.Text),
		Header:  nats.Header{jetstream.MsgIDHeader: []string{strconv.FormatUint(r.TaskID, 10)}},
	}
	future, err := w.js.PublishMsgAsync(msg, jetstream.WithStallWait(putStall))
	if err != nil {
		return w.fail(&lostError{url: w.url, cause: err})
	}
	delete(w.out, r.TaskID)
	w.answering = append(w.answering, answer{id: r.TaskID, task: task, future: future})
	if len(w.answering) >= w.maxBatch {
		return w.settle(ctx)
	}
	return nil
}

// settle waits for the server's answer to every result on its way and
// acknowledges each answered task.
func (w *Worker) settle(ctx context.Context) error { return w.settleUpTo(ctx, 0) }

// settleUpTo handles the server's answers that have come, and waits for
// more only while more than keep results are on their way.
func (w *Worker) settleUpTo(ctx context.Context, keep int) error {
	for len(w.answering) > 0 {
		a := w.answering[0]
		var ack *jetstream.PubAck
		var err error
		select {
		case ack = <-a.future.Ok():
		case err = <-a.future.Err():
		default:
			if len(w.answering) <= keep {
				return nil
			}
			select {
			case ack = <-a.future.Ok():
			case err = <-a.future.Err():
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		w.answering = w.answering[1:]
		switch {
		case err == nil && ack.Duplicate:
			w.stats.Duplicates++
		case err == nil:
			w.stats.Results++
		case alreadyAnswered(err):
			w.stats.Duplicates++
		default:
			// The result is not stored: the task goes back at once, for
			// this worker or another to do again.
			_ = a.task.Nak()
			w.held.remove(a.id)
			return w.fail(fmt.Errorf("the server refused the result of task %d: %w", a.id, err))
		}
		w.ackTask(a)
	}
	return nil
}

// ackTask acknowledges the task of a stored result. A lost acknowledgement
// costs a task done twice, never a result: the acknowledgement is sent
// without waiting for the server's reply.
func (w *Worker) ackTask(a answer) {
	_ = a.task.Ack()
	w.held.remove(a.id)
}

// alreadyAnswered says whether the server refused a result because it holds
// one for the task already (at most one per task is stored).
func alreadyAnswered(err error) bool {
	apiErr, ok := errors.AsType[*jetstream.APIError](err)
	return ok && apiErr.ErrorCode == errCodeStoreFailed && apiErr.Description == "maximum messages per subject exceeded"
}

// errCodeStoreFailed is the server's JSStreamStoreFailedF, which nats.go
// has no name for.
const errCodeStoreFailed jetstream.ErrorCode = 10077

// Stats returns the counts so far.
func (w *Worker) Stats() WorkerStats { return w.stats }

// Close waits for the results on their way, gives back every task it holds
// unanswered (they are redelivered at once, not after the ack wait), and
// closes the connection. Closing twice is harmless.
func (w *Worker) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var err error
	if w.err == nil && w.nc.IsConnected() {
		err = w.settle(ctx)
	}
	w.hb.end()
	for _, f := range w.buf {
		_ = f.msg.Nak()
	}
	for _, m := range w.out {
		_ = m.Nak()
	}
	w.buf, w.out = nil, nil
	if w.nc.IsConnected() {
		_ = w.nc.FlushTimeout(closeTimeout)
	}
	w.closedNow()
	w.nc.Close()
	return err
}

// fail makes err the answer to every later call.
func (w *Worker) fail(err error) error {
	w.err = err
	return err
}

// lostError is a connection to the server that stayed lost: the server (or
// the master it lived in) crashed, or the network broke. It is not
// [taskq.ErrClosed]: a worker reports it and exits 1.
type lostError struct {
	url   string
	cause error
}

func (e *lostError) Error() string {
	return fmt.Sprintf("lost the connection to the NATS server at %s: %v", e.url, e.cause)
}

func (e *lostError) Unwrap() error { return e.cause }
