package jetstreamq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ensureStreams creates the run's three streams, or checks and updates
// those a store already holds.
func ensureStreams(ctx context.Context, js jetstream.JetStream, n names, o MasterOptions) error {
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	configs := []jetstream.StreamConfig{
		{
			Name:       n.tasks,
			Subjects:   []string{n.taskPrefix + "*"},
			Retention:  jetstream.WorkQueuePolicy,
			Storage:    storage,
			Duplicates: o.DuplicateWindow,
		},
		{
			Name:       n.results,
			Subjects:   []string{n.resultPrefix + "*"},
			Retention:  jetstream.WorkQueuePolicy,
			Storage:    storage,
			Duplicates: o.DuplicateWindow,
			// One result per task at a time: a second one, even after the
			// duplicate window, is refused while the first waits for the
			// master.
			MaxMsgsPerSubject:    1,
			Discard:              jetstream.DiscardNew,
			DiscardNewPerSubject: true,
		},
		{
			Name:     n.run,
			Subjects: []string{n.taken, n.state},
			Storage:  storage,
		},
	}
	for _, cfg := range configs {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	_, err := js.CreateOrUpdateConsumer(ctx, n.tasks, jetstream.ConsumerConfig{
		Durable:       n.workers,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxAckPending: o.MaxAckPending,
		MaxDeliver:    -1,
	})
	if err != nil {
		return fmt.Errorf("the workers' consumer: %w", err)
	}
	return nil
}

// masterAckWait is the master's own consumer's ack wait. The master commits
// what it has taken whenever it has looked at every result it fetched, so
// this passes only when its caller pauses between two GetResult calls for
// that long; the redelivered results are then dropped as duplicates.
const masterAckWait = time.Minute

// freshMasterConsumer makes the master's consumer anew. Results delivered
// to an earlier master that died were never acknowledged; a consumer that
// remembered them would hold them back for its ack wait, a new one starts
// at the first result still stored.
func freshMasterConsumer(ctx context.Context, js jetstream.JetStream, n names) (jetstream.Consumer, error) {
	err := js.DeleteConsumer(ctx, n.results, n.master)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("the master's consumer: %w", err)
	}
	c, err := js.CreateConsumer(ctx, n.results, jetstream.ConsumerConfig{
		Durable:       n.master,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       masterAckWait,
		MaxAckPending: MaxBatch * 4,
		MaxDeliver:    -1,
	})
	if err != nil {
		return nil, fmt.Errorf("the master's consumer: %w", err)
	}
	return c, nil
}

// maxFetchWait bounds one wait of a fetch; a longer wait takes several, so
// that a lost connection is noticed between them. An idle worker thus asks
// once a second: nothing to a server.
const maxFetchWait = time.Second

// fetch takes up to want messages that are there now; if there are none it
// waits up to wait for the first one. A fetch for more than one would wait
// until all of them came or the wait ran out: the first message would wait
// for the last.
func fetch(ctx context.Context, c jetstream.Consumer, want int, wait time.Duration) ([]jetstream.Msg, error) {
	batch, err := c.FetchNoWait(want)
	if err != nil {
		return nil, err
	}
	msgs, err := drain(batch)
	if err != nil || len(msgs) > 0 || wait < time.Millisecond {
		return msgs, err
	}
	// The wait is a deadline on the fetch's context: nats.go takes the
	// server's expiry from it (a little shorter, so that the server's "no
	// messages" comes before the deadline), and refuses FetchMaxWait beside
	// it. The caller's ctx still cancels the fetch.
	fctx, cancel := context.WithTimeout(ctx, min(wait, maxFetchWait))
	defer cancel()
	if err := fctx.Err(); err != nil {
		return nil, err
	}
	batch, err = c.Fetch(1, jetstream.FetchContext(fctx))
	if err != nil {
		return nil, err
	}
	msgs, err = drain(batch)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = nil // the wait ran out, which is no error
	}
	return msgs, err
}

func drain(b jetstream.MessageBatch) ([]jetstream.Msg, error) {
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	return msgs, b.Error()
}
