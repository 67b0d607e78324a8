// Command 07-threadlocal ports the ThreadLocal section of Liao Xuefeng's
// Python tutorial (https://liaoxuefeng.com/books/python/process-thread/threadlocal/index.html).
// Each thread serves its own Student, and every function deep in its calls
// needs it. The tutorial passes the student down every call (step 1), tries
// a global dict keyed by the current thread (step 2), and settles on
// threading.local (step 3), a global whose attributes differ per thread.
//
// Go's answer for a value the code needs is a parameter, or the receiver of
// the methods that need it: this file holds step 1 and the tutorial's
// program, step 3, done that way. Go has no goroutine-local storage and no
// goroutine ID, so step 2 survives only as a labelled hack
// (global_dict_hack.go). A context.Context carries request-scoped data
// across API boundaries (deadlines, cancellation, request IDs, the request's
// user), as the context package documents; request_context.go shows the
// student carried that way, as a request's user, and it is not the answer
// for an ordinary input.
//
//	go run ./07-threadlocal                  # the tutorial's two lines, then the Go notes
//	go run ./07-threadlocal -tutorial-only   # the two lines and nothing else
//	go run ./07-threadlocal -compare         # beside use_threadlocal.py
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"multitask/internal/cli"
)

func main() {
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

// run prints the tutorial's two lines and then the Go notes (notes.go), or,
// with -compare, the two lines beside the Python twin's (python_twin.go).
func run(ctx context.Context, stdout io.Writer, args []string) error {
	opts, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if opts.compare {
		return compareWithPython(ctx, stdout)
	}
	// The tutorial's program: two goroutines, each handed its own job. The
	// value the code needs travels as a parameter and a receiver, not in
	// storage tied to the goroutine, which Go does not have.
	printLines(stdout, inGoroutines(threads, processThread))
	if opts.tutorialOnly {
		return nil
	}
	printNotes(ctx, stdout)
	return nil
}

// Student is the tutorial's Student: the value every function deep in one
// thread's calls needs, and that differs from thread to thread.
type Student struct{ Name string }

// job is one thread's work: the student it serves and the name it shows,
// what local_school holds for one thread in Python. A goroutine has no name,
// so the name travels with the job.
type job struct {
	student Student
	thread  string
}

// Step 1: every function takes the student (and the thread's name) as
// parameters and hands them on. It is always correct, since the values live
// in the goroutine's own calls; the tutorial finds it clumsy once the calls
// are many levels deep, and the methods of step 3 keep it short.
func processExplicit(j job) string {
	return doTaskExplicit(j.student, j.thread)
}

func doTaskExplicit(s Student, thread string) string {
	return doSubtaskExplicit(s, thread)
}

func doSubtaskExplicit(s Student, thread string) string {
	return greeting(s, thread)
}

// Step 3, the tutorial's program. threads are its two threads:
// Thread(target=process_thread, args=('Alice',), name='Thread-A') and the
// same for Bob.
var threads = []job{
	{Student{"Alice"}, "Thread-A"},
	{Student{"Bob"}, "Thread-B"},
}

// inGoroutines is t1.start(), t2.start(), t1.join(), t2.join(): it runs
// handle for every job at once, each in a goroutine of its own, and returns
// their lines in the order of jobs.
//
// In Python each thread prints its own line, so either may come first.
// Here every goroutine writes only its own slot of lines, and the slots are
// read after Wait, so the lines have one order whatever the scheduler did.
func inGoroutines(jobs []job, handle func(job) string) []string {
	lines := make([]string, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { lines[i] = handle(j) })
	}
	wg.Wait()
	return lines
}

// processThread is the tutorial's process_thread. Python binds the student
// to local_school, a global, and calls process_student with no arguments.
// The goroutine here is handed j, its own value, and process_student is a
// method of it: nothing is stored per goroutine, so nothing can leak to
// another one or outlive the call.
func processThread(j job) string {
	return j.processStudent()
}

// processStudent is the tutorial's process_student: where Python reads
// local_school.student, it reads its receiver.
func (j job) processStudent() string {
	return greeting(j.student, j.thread)
}

// greeting is the tutorial's output line.
func greeting(s Student, thread string) string {
	return fmt.Sprintf("Hello, %s (in %s)", s.Name, thread)
}

func printLines(w io.Writer, lines []string) {
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
}
