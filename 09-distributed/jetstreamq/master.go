package jetstreamq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"multitask/09-distributed/taskq"
)

// putWindow bounds the tasks published and not yet acknowledged by the
// server. PutTask does not wait for each acknowledgement, which would cost
// a round trip per task; a refusal fails a later call instead.
const putWindow = 4096

// putStall is how long PutTask waits for room in a full window, and
// putAckTimeout how long a put may wait for its acknowledgement.
const (
	putStall      = 10 * time.Second
	putAckTimeout = 30 * time.Second
)

// Master is the master's side of the queues over JetStream: it puts tasks
// in the task stream and takes results from the result stream. It
// implements [taskq.Master]. It is not safe for concurrent use: the master
// puts its tasks and collects its results in one goroutine.
type Master struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	n       names
	logf    func(format string, args ...any)
	batch   int
	results jetstream.Consumer
	resumed Run

	mu     sync.Mutex // guards putErr, set by the library's goroutine
	putErr error      // the first put the server refused

	put      map[uint64]struct{} // every task of the run
	taken    map[uint64]struct{} // results given to the caller
	buf      []jetstream.Msg     // fetched, not looked at yet
	unacked  []jetstream.Msg     // looked at, acknowledged at the next commit
	toRecord []uint64            // taken since the last commit
	puts     bool                // tasks put since the last wait for their acks
	stats    taskq.Stats
	dupSeen  bool // a duplicate was logged; later ones are counted
	unkSeen  bool // a result for an unknown task was logged
	closed   bool

	onCommit func(taken []uint64) // for tests: called after each commit
}

// OpenMaster connects to the NATS server at url with key, makes the run's
// streams, and reads what the store holds of an earlier run: a run in
// progress is resumed ([Master.Resumed]), a finished one cleared.
func OpenMaster(ctx context.Context, url string, key []byte, opts MasterOptions) (*Master, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	n, err := namesFor(o.Name)
	if err != nil {
		return nil, err
	}
	nc, err := connect(url, key, "taskq master", o.Logf, o.NATS)
	if err != nil {
		return nil, err
	}
	m := &Master{
		nc:    nc,
		n:     n,
		logf:  o.Logf,
		batch: o.Batch,
		put:   make(map[uint64]struct{}),
		taken: make(map[uint64]struct{}),
	}
	if err := m.open(ctx, o); err != nil {
		nc.Close()
		return nil, err
	}
	return m, nil
}

func (m *Master) open(ctx context.Context, o MasterOptions) error {
	js, err := jetstream.New(m.nc,
		jetstream.WithPublishAsyncMaxPending(putWindow),
		jetstream.WithPublishAsyncTimeout(putAckTimeout),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, msg *nats.Msg, err error) {
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.putErr == nil {
				m.putErr = fmt.Errorf("the server refused %s: %w", msg.Subject, err)
			}
		}))
	if err != nil {
		return err
	}
	m.js = js
	if err := ensureStreams(ctx, js, m.n, o); err != nil {
		return notJetStream(err)
	}
	rec, err := readRecord(ctx, js, m.n)
	if err != nil {
		return err
	}
	if rec.finished() {
		if err := m.clear(ctx); err != nil {
			return err
		}
	} else {
		if err := m.resume(ctx, rec); err != nil {
			return err
		}
	}
	if m.results, err = freshMasterConsumer(ctx, js, m.n); err != nil {
		return err
	}
	if _, err := js.Publish(ctx, m.n.state, []byte(stateOpen)); err != nil {
		return fmt.Errorf("open the queues: %w", err)
	}
	return nil
}

// clear empties the streams of a finished run, so that a new run starts.
func (m *Master) clear(ctx context.Context) error {
	for _, name := range []string{m.n.tasks, m.n.results, m.n.run} {
		s, err := m.js.Stream(ctx, name)
		if err == nil {
			err = s.Purge(ctx)
		}
		if err != nil {
			return fmt.Errorf("clear stream %s: %w", name, err)
		}
	}
	return nil
}

// resume takes over a run in progress: its tasks count as put, the results
// taken before as taken, and tasks that have a result already leave the
// task stream, so that no worker computes them again.
func (m *Master) resume(ctx context.Context, rec record) error {
	answered := rec.answered()
	if len(answered) > 0 {
		s, err := m.js.Stream(ctx, m.n.tasks)
		if err != nil {
			return err
		}
		for _, id := range answered {
			if err := s.Purge(ctx, jetstream.WithPurgeSubject(m.n.taskSubject(id))); err != nil {
				return fmt.Errorf("remove answered task %d: %w", id, err)
			}
		}
	}
	m.put = rec.put()
	for id := range rec.taken {
		m.taken[id] = struct{}{}
	}
	m.resumed = rec.run()
	m.logf("resuming the run found in the store: %d tasks put, %d results taken, %d results waiting, %d tasks to do",
		len(m.resumed.Put), len(m.resumed.Taken), len(m.resumed.Waiting),
		len(m.resumed.Put)-len(m.resumed.Taken)-len(m.resumed.Waiting))
	return nil
}

// Resumed is the run found in the store when the master opened; it is
// empty when the master started a new run.
func (m *Master) Resumed() Run { return m.resumed }

// PutTask publishes t to the task stream, its ID as the message ID. It
// returns once the task is handed to the connection; the server's
// acknowledgement comes later, and a task it refused fails a later call. A
// second task with an ID already put, in this run or the one resumed, is
// refused.
func (m *Master) PutTask(ctx context.Context, t taskq.Task) error {
	if m.closed {
		return taskq.ErrClosed
	}
	if err := m.asyncErr(); err != nil {
		return err
	}
	if _, dup := m.put[t.ID]; dup {
		return fmt.Errorf("task %d was already put", t.ID)
	}
	id := strconv.FormatUint(t.ID, 10)
	msg := &nats.Msg{
		Subject: m.n.taskSubject(t.ID),
		Data:    strconv.AppendInt(nil, int64(t.N), 10),
		Header:  nats.Header{jetstream.MsgIDHeader: []string{id}},
	}
	if _, err := m.js.PublishMsgAsync(msg, jetstream.WithStallWait(putStall)); err != nil {
		return fmt.Errorf("put task %d: %w", t.ID, err)
	}
	m.put[t.ID] = struct{}{}
	m.puts = true
	m.stats.Tasks++
	return nil
}

func (m *Master) asyncErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.putErr
}

// waitPuts waits until the server has acknowledged every task put.
func (m *Master) waitPuts(ctx context.Context) error {
	if m.puts {
		select {
		case <-m.js.PublishAsyncComplete():
			m.puts = false
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return m.asyncErr()
}

// GetResult waits up to timeout for the next result of a task of this run.
// A result for a task already answered is dropped, one for a task never put
// is refused; both are counted and logged once.
//
// The results returned are recorded as taken by a later call: once a
// batch of them has been returned, or when no more are waiting, or at
// Close. A master restarted later does not return them again; one killed
// before they were recorded (at most a batch) returns those once more.
func (m *Master) GetResult(ctx context.Context, timeout time.Duration) (taskq.Result, bool, error) {
	if m.closed {
		return taskq.Result{}, false, taskq.ErrClosed
	}
	if err := m.waitPuts(ctx); err != nil {
		return taskq.Result{}, false, err
	}
	deadline := time.Now().Add(timeout)
	for {
		for len(m.buf) > 0 {
			msg := m.buf[0]
			m.buf = m.buf[1:]
			if r, ok := m.look(msg); ok {
				return r, true, nil
			}
		}
		// A commit costs two round trips and a record: it waits until a
		// batch has been looked at, or the master is about to wait.
		if len(m.unacked) >= m.batch {
			if err := m.commit(ctx); err != nil {
				return taskq.Result{}, false, err
			}
		}
		msgs, err := fetch(ctx, m.results, m.batch, 0)
		if err == nil && len(msgs) == 0 {
			if err := m.commit(ctx); err != nil {
				return taskq.Result{}, false, err
			}
			msgs, err = fetch(ctx, m.results, m.batch, time.Until(deadline))
		}
		m.buf = msgs
		if err != nil && len(msgs) == 0 {
			return taskq.Result{}, false, fmt.Errorf("get results: %w", err)
		}
		if len(msgs) == 0 && time.Until(deadline) <= 0 {
			return taskq.Result{}, false, nil
		}
	}
}

// look checks one fetched result: a result for a task of the run with no
// result yet is kept; any other is dropped. Either way it is acknowledged
// at the next commit.
func (m *Master) look(msg jetstream.Msg) (taskq.Result, bool) {
	m.unacked = append(m.unacked, msg)
	id, err := idOf(msg.Subject(), m.n.resultPrefix)
	if err != nil {
		m.logf("dropped a message on %s: %v", msg.Subject(), err)
		return taskq.Result{}, false
	}
	if _, ok := m.put[id]; !ok {
		m.stats.Unknown++
		if !m.unkSeen {
			m.unkSeen = true
			m.logf("refused a result for unknown task %d (later ones are counted)", id)
		}
		return taskq.Result{}, false
	}
	if _, dup := m.taken[id]; dup {
		m.stats.Duplicates++
		if !m.dupSeen {
			m.dupSeen = true
			m.logf("dropped a second result for task %d (later ones are counted)", id)
		}
		return taskq.Result{}, false
	}
	m.taken[id] = struct{}{}
	m.toRecord = append(m.toRecord, id)
	m.stats.Results++
	return taskq.Result{TaskID: id, Text: string(msg.Data())}, true
}

// commit records the results taken since the last commit, then
// acknowledges every result looked at, which deletes them from the result
// stream. In that order a crash between the two leaves a result both
// stored and listed as taken, which a restarted master drops, never a
// result taken and lost from the record. Acknowledgements are processed in
// the order they arrive, so a double acknowledgement of the last one, which
// the server answers, confirms them all: one round trip per batch.
func (m *Master) commit(ctx context.Context) error {
	taken := m.toRecord
	if len(taken) > 0 {
		if _, err := m.js.Publish(ctx, m.n.taken, encodeIDs(taken)); err != nil {
			return fmt.Errorf("record the results taken: %w", err)
		}
		m.toRecord = nil
	}
	if k := len(m.unacked); k > 0 {
		for _, msg := range m.unacked[:k-1] {
			if err := msg.Ack(); err != nil {
				return fmt.Errorf("acknowledge results: %w", err)
			}
		}
		if err := m.unacked[k-1].DoubleAck(ctx); err != nil {
			return fmt.Errorf("acknowledge results: %w", err)
		}
		m.unacked = m.unacked[:0]
	}
	if m.onCommit != nil && len(taken) > 0 {
		m.onCommit(taken)
	}
	return nil
}

// Stats counts what this master saw: tasks put, results kept, duplicates
// dropped, results for unknown tasks refused. A resumed run's earlier
// counts are not included.
func (m *Master) Stats() taskq.Stats { return m.stats }

// closeTimeout bounds what Close does over the network.
const closeTimeout = 10 * time.Second

// Close records the results taken, tells the workers that the queues are
// closed (their GetTask returns [taskq.ErrClosed]) and closes the
// connection. The streams stay: a run closed with results missing can be
// resumed by the next master on the same store. Closing twice is harmless.
func (m *Master) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	if !m.nc.IsConnected() {
		// The server is gone (or going): nothing can be recorded or told.
		m.nc.Close()
		return errors.New("close the queues: lost the connection to the NATS server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := m.commit(ctx)
	if _, perr := m.js.Publish(ctx, m.n.state, []byte(stateClosed)); err == nil && perr != nil {
		err = fmt.Errorf("close the queues: %w", perr)
	}
	if ferr := m.nc.FlushTimeout(closeTimeout); err == nil && ferr != nil {
		err = ferr
	}
	m.nc.Close()
	return err
}

// notJetStream explains the error of a server without JetStream.
func notJetStream(err error) error {
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrNoResponders) {
		return fmt.Errorf("%w (is JetStream on? nats-server -js)", err)
	}
	return err
}
