package main

// Step 2 of the tutorial keeps every thread's student in a global dict keyed
// by threading.current_thread(). Go closes that road on purpose: a goroutine
// has no ID, no name and no local storage. The Go FAQ gives the reason: code
// that depends on "which goroutine am I" breaks as soon as work is handed to
// another goroutine, and such work-sharing is what Go programs do all the time.
//
// Everything in this file is a HACK. DO NOT USE IT. It digs the goroutine ID
// out of the text of a stack trace, which is meant for people reading crash
// reports, not for programs: the format may change, it costs a stack walk per
// lookup, and the value does not follow work into the goroutines a handler
// starts (helperFindsInMap shows that). It is here only so the reader can see
// the tutorial's step 2 fail in the ways the Go team predicted.

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
)

// hackGoroutineID returns the ID from the first line of the calling
// goroutine's stack trace, "goroutine 42 [running]:". HACK, DO NOT USE.
// If a future Go writes that line differently it reports false, and the map
// below then finds nothing: the lesson prints "no student" instead of
// panicking or, worse, mixing students up.
func hackGoroutineID() (uint64, bool) {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	line, ok := bytes.CutPrefix(line, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	line, _, _ = bytes.Cut(line, []byte(" "))
	id, err := strconv.ParseUint(string(line), 10, 64)
	return id, err == nil
}

// goroutineMap is the tutorial's global_dict, keyed by the hacked goroutine
// ID. Unlike a Python dict under the GIL it needs a mutex, since goroutines
// really run at once.
type goroutineMap struct {
	mu sync.Mutex
	m  map[uint64]job
}

// bind stores j for the calling goroutine. The caller must call the returned
// unbind before its goroutine ends, or the entry stays forever (and a later
// job on a reused worker goroutine would find it).
func (g *goroutineMap) bind(j job) (unbind func()) {
	id, ok := hackGoroutineID()
	if !ok {
		return func() {}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil {
		g.m = make(map[uint64]job)
	}
	g.m[id] = j
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.m, id)
	}
}

// lookup returns what was bound for the calling goroutine.
func (g *goroutineMap) lookup() (job, bool) {
	id, ok := hackGoroutineID()
	if !ok {
		return job{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	j, ok := g.m[id]
	return j, ok
}

// globalDict is the one global map of step 2.
var globalDict goroutineMap

func processByGoroutineMap(j job) string {
	defer globalDict.bind(j)()
	return doTaskByGoroutineMap()
}

// doTaskByGoroutineMap takes no parameters: it finds its student by asking
// which goroutine it runs on, as the tutorial's do_task_1 does.
func doTaskByGoroutineMap() string {
	j, ok := globalDict.lookup()
	if !ok {
		return noStudent
	}
	return greeting(j.student, j.thread)
}

// helperFindsInMap binds j, then starts one helper goroutine, as a handler
// does when it fans work out, and returns the name of the student the helper
// finds in the map: none, because the helper is another goroutine with
// another ID.
func helperFindsInMap(j job) string {
	defer globalDict.bind(j)()
	return inHelper(func() (Student, bool) {
		j, ok := globalDict.lookup()
		return j.student, ok
	})
}
