// Package jetstreamq carries the tutorial's two queues over NATS JetStream, a
// real message broker, instead of the home-made rpc transport.
//
// The broker can live in the master's process, as the queues do in the
// tutorial: [StartServer] embeds a NATS server with JetStream, on loopback
// by default. Or it can be an existing nats-server or cluster that master
// and workers reach by URL: that is the way beyond one machine.
//
// [OpenMaster] is the master's side ([taskq.Master]), [DialWorker] a
// worker's ([taskq.Worker]). Under them, one run of the master uses three
// streams, named after the run (see [MasterOptions.Name]):
//
//   - tasks: one message per task, subject <name>.task.<id>, the task ID as
//     its message ID. Work-queue retention: a task stays stored until a
//     worker acknowledges it. All workers pull from one durable consumer; a
//     worker acknowledges a task only after the server has acknowledged the
//     task's result. A worker that dies or stops holding a task has it
//     redelivered to another after the ack wait; a live one extends the wait
//     while it holds the task.
//   - results: one message per answer, subject <name>.result.<id>, the task
//     ID as its message ID, so that the server drops a second result within
//     its duplicate window; it also keeps at most one result per task. The
//     master pulls them from a durable consumer of its own, drops a result
//     for a task already answered and refuses one for a task never put.
//   - run: the master's record of what it has taken from the results, and
//     whether the queues are open or closed.
//
// Together the three are the run's record: every task put is, at each
// moment, in the task stream, or has its result in the result stream, or
// is listed as taken in the run stream, because each step writes the next
// place before it deletes the last. A master restarted on the same store
// reads the record ([Master.Resumed]) and finishes the run without putting
// or computing again what is already there.
package jetstreamq
