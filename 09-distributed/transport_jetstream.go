package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"multitask/09-distributed/jetstreamq"
	"multitask/09-distributed/taskq"
)

// jetstreamTransport keeps the queues in a NATS JetStream broker (package
// jetstreamq, see its README): durable streams that survive a crash of the
// master, and redelivery after an ack wait. Without -nats the master embeds
// the broker in its own process, so the queues still live in the master as
// in the tutorial; with -nats URL master and workers use an existing NATS
// server or cluster, the way beyond one machine.
var jetstreamTransport = transport{
	flags: func(fs *flag.FlagSet, command string) any {
		f := &jetstreamFlags{}
		fs.StringVar(&f.nats, "nats", "", "with -transport jetstream: the URL of an existing NATS server with JetStream\n(default: the master embeds one on -addr)")
		if command != "worker" {
			fs.StringVar(&f.store, "store", "", "with -transport jetstream: keep the broker's files in this folder, so that a\nmaster restarted on it finishes the run (default: a temporary folder)")
		}
		return f
	},
	open: func(ctx context.Context, o openOptions) (queues, error) {
		f := o.flags.(*jetstreamFlags)
		q := &brokerQueues{}
		url := f.nats
		if url == "" {
			srv, err := jetstreamq.StartServer(jetstreamq.ServerOptions{Addr: o.addr, StoreDir: f.store, Key: o.key})
			if err != nil {
				return nil, err
			}
			q.srv, url = srv, srv.URL()
		}
		m, err := jetstreamq.OpenMaster(ctx, url, o.key, jetstreamq.MasterOptions{AckWait: o.lease, Logf: o.logf})
		if err != nil {
			if q.srv != nil {
				q.srv.Close()
			}
			return nil, err
		}
		q.m, q.url, q.key = m, url, o.key
		return q, nil
	},
	reach: func(flags any, addr string) string {
		if url := flags.(*jetstreamFlags).nats; url != "" {
			return url
		}
		return addr
	},
	dial: func(ctx context.Context, o dialOptions) (taskq.Worker, error) {
		url := o.flags.(*jetstreamFlags).nats
		if url == "" {
			url = o.addr
		}
		w, err := jetstreamq.DialWorker(ctx, url, o.key, jetstreamq.WorkerOptions{})
		if err != nil {
			return nil, err // not a nil *Worker inside the interface
		}
		return w, nil
	},
}

func init() { transports["jetstream"] = jetstreamTransport }

type jetstreamFlags struct{ nats, store string }

// brokerQueues are the jetstream transport's queues: a master client of the
// broker, and the broker itself when the master embeds it.
type brokerQueues struct {
	m   *jetstreamq.Master
	srv *jetstreamq.Server // nil with -nats
	url string
	key []byte
}

func (q *brokerQueues) PutTask(ctx context.Context, t taskq.Task) error { return q.m.PutTask(ctx, t) }

func (q *brokerQueues) GetResult(ctx context.Context, timeout time.Duration) (taskq.Result, bool, error) {
	return q.m.GetResult(ctx, timeout)
}

func (q *brokerQueues) Addr() string { return q.url }

// CloseQueues records the results taken and tells the workers the queues
// are closed; the broker stays up until Close, so that they can hear it.
func (q *brokerQueues) CloseQueues() { _ = q.m.Close() }

func (q *brokerQueues) Close() error {
	err := q.m.Close()
	if q.srv != nil {
		err = errors.Join(err, q.srv.Close())
	}
	return err
}

func (q *brokerQueues) Summary() []string {
	where := fmt.Sprintf("the queues lived in a JetStream broker embedded in this process (pid %d), on %s", os.Getpid(), q.url)
	if q.srv == nil {
		where = "the queues lived in the NATS server at " + q.url
	}
	lines := []string{where, brokerStatsLine(q.m.Stats())}
	if pub, err := jetstreamq.UserPublicKey(q.key); err == nil && q.srv != nil {
		// What a nats-server of one's own needs to know this key's
		// holders (see the jetstreamq README).
		lines = append(lines, "for a nats-server of your own (-nats), this key's public NKey is "+pub)
	}
	return lines
}

// brokerStatsLine sums up what the master saw of the broker's queues. The
// broker, not the master, hands tasks out and takes them back, so the
// counts of the hub's leases have no place here.
func brokerStatsLine(s taskq.Stats) string {
	return fmt.Sprintf("%s put, %s kept; %s dropped; %s refused (unknown task); "+
		"a task left unanswered went back to the queue when its worker stopped or after the ack wait",
		count(s.Tasks, "task"), count(s.Results, "result"), count(s.Duplicates, "duplicate result"), count(s.Unknown, "result"))
}

// Resumed tells the master what an earlier master on the same store left:
// the broker records task IDs only, so a resumed task's number is unknown
// here (its worker has it in the task stream).
func (q *brokerQueues) Resumed() (put []taskq.Task, taken []uint64) {
	run := q.m.Resumed()
	for _, id := range run.Put {
		put = append(put, taskq.Task{ID: id, N: unknownN})
	}
	return put, run.Taken
}
