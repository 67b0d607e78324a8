package jetstreamq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Run is what [OpenMaster] found of an earlier run in the store: a master
// that was killed, or gave up, before every result was taken.
type Run struct {
	// Put lists every task of the run that reached the server, in order.
	Put []uint64
	// Taken lists the tasks whose results an earlier master took: its
	// GetResult returned them, and it had moved on to the next call.
	Taken []uint64
	// Waiting lists the tasks whose results are stored but were not taken;
	// GetResult returns them first, and no worker computes them again.
	Waiting []uint64
}

// InProgress says whether a run was found: a master should then put only
// the tasks not in Put, and wait for the results of Open.
func (r Run) InProgress() bool { return len(r.Put) > 0 }

// Open lists the tasks put whose results have not been taken.
func (r Run) Open() []uint64 {
	taken := make(map[uint64]bool, len(r.Taken))
	for _, id := range r.Taken {
		taken[id] = true
	}
	var open []uint64
	for _, id := range r.Put {
		if !taken[id] {
			open = append(open, id)
		}
	}
	return open
}

// record is the run as the store holds it.
type record struct {
	state   string              // the last state the master said, or ""
	tasks   map[uint64]struct{} // in the task stream: waiting, or out with a worker
	results map[uint64]struct{} // in the result stream, not acknowledged by a master
	taken   map[uint64]struct{} // listed as taken in the run stream
}

// readRecord reads the run from its streams. No message is consumed: the
// sets come from the streams' subjects, and the taken lists are read with
// an ordered consumer that acknowledges nothing.
func readRecord(ctx context.Context, js jetstream.JetStream, n names) (record, error) {
	var r record
	var err error
	if r.tasks, err = idsInStream(ctx, js, n.tasks, n.taskPrefix); err != nil {
		return r, err
	}
	if r.results, err = idsInStream(ctx, js, n.results, n.resultPrefix); err != nil {
		return r, err
	}
	if r.taken, err = readTaken(ctx, js, n); err != nil {
		return r, err
	}
	r.state, err = lastState(ctx, js, n)
	return r, err
}

// lastState is the last state the master said: open, closed, or "" if it
// never did.
func lastState(ctx context.Context, js jetstream.JetStream, n names) (string, error) {
	s, err := js.Stream(ctx, n.run)
	if err != nil {
		return "", fmt.Errorf("stream %s: %w", n.run, err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, n.state)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the run's state: %w", err)
	}
	return string(msg.Data), nil
}

// idsInStream lists the task IDs of the subjects stored in a stream.
func idsInStream(ctx context.Context, js jetstream.JetStream, stream, prefix string) (map[uint64]struct{}, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(prefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	ids := make(map[uint64]struct{}, len(info.State.Subjects))
	for subject := range info.State.Subjects {
		id, err := idOf(subject, prefix)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", stream, err)
		}
		ids[id] = struct{}{}
	}
	return ids, nil
}

// readTaken reads every list of taken results the master recorded.
func readTaken(ctx context.Context, js jetstream.JetStream, n names) (map[uint64]struct{}, error) {
	s, err := js.Stream(ctx, n.run)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", n.run, err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(n.taken))
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", n.run, err)
	}
	taken := make(map[uint64]struct{})
	left := int(info.State.Subjects[n.taken])
	if left == 0 {
		return taken, nil
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{n.taken}})
	if err != nil {
		return nil, fmt.Errorf("read the results taken: %w", err)
	}
	defer func() {
		// The server would drop the reader itself after a while.
		if info := c.CachedInfo(); info != nil {
			_ = js.DeleteConsumer(ctx, n.run, info.Name)
		}
	}()
	for left > 0 {
		batch, err := c.Fetch(min(left, MaxBatch), jetstream.FetchMaxWait(maxFetchWait))
		if err != nil {
			return nil, fmt.Errorf("read the results taken: %w", err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			ids, err := decodeIDs(m.Data())
			if err != nil {
				return nil, fmt.Errorf("read the results taken: %w", err)
			}
			for _, id := range ids {
				taken[id] = struct{}{}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, fmt.Errorf("read the results taken: %w", err)
		}
		if got == 0 {
			return nil, fmt.Errorf("read the results taken: %d lists missing", left)
		}
		left -= got
	}
	return taken, nil
}

// finished says whether the record holds no run to resume: the master
// closed it with every result taken, or there is nothing at all.
func (r record) finished() bool {
	if len(r.tasks)+len(r.results)+len(r.taken) == 0 {
		return true
	}
	if r.state != stateClosed {
		return false
	}
	for id := range r.put() {
		if _, ok := r.taken[id]; !ok {
			return false
		}
	}
	return true
}

// put is every task of the run: each is in one of the three places.
func (r record) put() map[uint64]struct{} {
	all := maps.Clone(r.tasks)
	maps.Copy(all, r.results)
	maps.Copy(all, r.taken)
	return all
}

// answered lists the tasks still in the task stream although they have a
// result: their worker died after its result was stored and before its
// acknowledgement of the task reached the server.
func (r record) answered() []uint64 {
	var ids []uint64
	for id := range r.tasks {
		_, stored := r.results[id]
		_, taken := r.taken[id]
		if stored || taken {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// run is the record as [Run].
func (r record) run() Run {
	var waiting []uint64
	for id := range r.results {
		if _, ok := r.taken[id]; !ok {
			waiting = append(waiting, id)
		}
	}
	slices.Sort(waiting)
	return Run{
		Put:     slices.Sorted(maps.Keys(r.put())),
		Taken:   slices.Sorted(maps.Keys(r.taken)),
		Waiting: waiting,
	}
}

// encodeIDs writes task IDs as decimal numbers separated by spaces: a
// record anyone can read with the nats command line tool.
func encodeIDs(ids []uint64) []byte {
	b := make([]byte, 0, len(ids)*6)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, id, 10)
	}
	return b
}

func decodeIDs(b []byte) ([]uint64, error) {
	fields := strings.Fields(string(b))
	ids := make([]uint64, 0, len(fields))
	for _, f := range fields {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, errors.New("a list of taken results is garbled")
		}
		ids = append(ids, id)
	}
	return ids, nil
}
