package main

import (
	"fmt"
	"sync"
)

// Student is the tutorial's Student: the value that every function deep in
// one thread's calls needs, and that differs from thread to thread.
type Student struct{ Name string }

// job is one thread of work: the student it serves and the name it shows.
type job struct {
	student Student
	thread  string
}

// greeting is the tutorial's output line.
func greeting(s Student, thread string) string {
	return fmt.Sprintf("Hello, %s (in %s)", s.Name, thread)
}

// noStudent is what a lookup that found nothing reports.
const noStudent = "no student"

// inGoroutines runs handle for every job at once, each in a goroutine of its
// own, and returns the lines in the order of jobs.
//
// The Python sample starts Thread-A before Thread-B and usually prints Alice
// first, but nothing guarantees it: both threads print on their own. Here
// every goroutine writes only its own slot of lines, and the slots are read
// after Wait, so the result has one order whatever the scheduler did.
func inGoroutines(jobs []job, handle func(job) string) []string {
	lines := make([]string, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { lines[i] = handle(j) })
	}
	wg.Wait()
	return lines
}

// inHelper runs find in a new goroutine, as a handler does when it hands part
// of its work to a helper, and returns the name of the student found there.
func inHelper(find func() (Student, bool)) string {
	found := make(chan string)
	go func() {
		s, ok := find()
		if !ok {
			found <- noStudent
			return
		}
		found <- s.Name
	}()
	return <-found
}
