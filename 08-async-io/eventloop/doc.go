// Package eventloop is the Go side of the tutorial's 进程 vs. 线程 prose, for
// lesson 08-async-io: many connections on few threads, and why IO-bound work
// gains from many tasks at once where CPU-bound work does not.
//
// It has two loopback servers that answer one-line requests after a delay
// (the slow IO): goroutineServer, one goroutine per connection in plain
// blocking code on the runtime's network poller, the way Go programs are
// written; and epollServer, the tutorial's single-threaded event loop written
// out by hand around epoll_wait (Linux only). A client in a child process of
// its own opens many connections to each in turn, and [ServersSideBySide]
// prints what each server cost. [CPUVersusIO] prints the scaling study: the
// same tasks with 1, 2, 4, … of them at once, under GOMAXPROCS=1 and every
// CPU.
//
// The lesson calls the two functions for its Go notes (notes.go); the
// package's README says what they show and what they cost.
package eventloop
