package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"multitask/internal/clitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tutorialLines are what the tutorial's use_threadlocal.py prints, in the
// order the Go lesson always prints them.
const tutorialLines = "Hello, Alice (in Thread-A)\nHello, Bob (in Thread-B)\n"

// wantOutput is the whole output. Nothing in it depends on scheduling, so it
// is compared byte for byte; run the test with -count to see it never varies.
const wantOutput = tutorialLines + `--- Go notes ---
The two lines above are the Go answer to threading.local: a value the code needs is a
parameter, or the receiver of the methods that need it. Each goroutine was handed its
own job{student, thread}; nothing is stored per goroutine. Each wrote its line into its
own slot, and the slots were printed in order after the join: the order never depends
on which goroutine the scheduler happens to run first.

step 1: pass the student down every call (works; fine while the calls are few)
Hello, Alice (in Thread-A)
Hello, Bob (in Thread-B)

step 2: a global map keyed by the current thread: closed, a goroutine has no ID to key on.
HACK, DO NOT USE: the ID parsed out of runtime.Stack's text, which is not an API:
Hello, Alice (in Thread-A)
Hello, Bob (in Thread-B)
a goroutine that Thread-A starts to help it finds: no student

not the answer, but what a context.Context is for: request-scoped data that crosses API
boundaries (a deadline, a request ID, the request's user), as the context package says.
The student as a request's user, read behind an API that takes only ctx:
Hello, Alice (in Thread-A)
Hello, Bob (in Thread-B)
a goroutine that Thread-A starts to help it, handed ctx, finds: Alice
`

func TestOutputLines(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, nil))
	assert.Equal(t, wantOutput, out.String())
	assert.True(t, strings.HasPrefix(out.String(), tutorialLines),
		"the tutorial's two lines come first, Alice before Bob")
	clitest.RequireLinesFit(t, out.String())
}

// TestTutorialOnlyPrintsOnlyTheTwoLines: -tutorial-only is the tutorial's
// output and nothing else, the lines -compare sets beside Python's.
func TestTutorialOnlyPrintsOnlyTheTwoLines(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, []string{"-tutorial-only"}))
	assert.Equal(t, tutorialLines, out.String())
}

// manyGoroutines is how many goroutines run at once in the isolation tests.
const manyGoroutines = 1000

func manyJobs() []job {
	jobs := make([]job, manyGoroutines)
	for i := range jobs {
		jobs[i] = job{Student{fmt.Sprintf("student-%d", i)}, fmt.Sprintf("Thread-%d", i)}
	}
	return jobs
}

// seenByEach starts one goroutine per job. Goroutine i binds its job with
// bind, waits until every goroutine has bound its own, and only then reads
// back what it sees. The wait makes all bindings live at the same time, so a
// mechanism that shares one slot between goroutines cannot pass by luck.
func seenByEach(jobs []job, bind func(job) (read func() string)) []string {
	seen := make([]string, len(jobs))
	var bound, wg sync.WaitGroup
	bound.Add(len(jobs))
	for i, j := range jobs {
		wg.Go(func() {
			read := bind(j)
			bound.Done()
			bound.Wait()
			seen[i] = read()
		})
	}
	wg.Wait()
	return seen
}

// TestEachGoroutineSeesOnlyItsOwn checks the two mechanisms that keep a value
// out of the parameter lists, with a thousand goroutines bound at once. The
// last case is a control: one shared variable, the "global variable" the
// tutorial rejects, must fail this very check.
func TestEachGoroutineSeesOnlyItsOwn(t *testing.T) {
	var m goroutineMap
	var sharedMu sync.Mutex
	var shared job

	tests := []struct {
		name        string
		bind        func(job) func() string
		wantCorrect bool
	}{
		{"goroutine map (hack)", func(j job) func() string {
			unbind := m.bind(j)
			return func() string {
				defer unbind()
				got, ok := m.lookup()
				if !ok {
					return noStudent
				}
				return greeting(got.student, got.thread)
			}
		}, true},
		{"context value", func(j job) func() string {
			ctx := bind(t.Context(), j)
			return func() string { return doTaskWithContext(ctx) }
		}, true},
		{"one shared variable (control)", func(j job) func() string {
			sharedMu.Lock()
			shared = j
			sharedMu.Unlock()
			return func() string {
				sharedMu.Lock()
				defer sharedMu.Unlock()
				return greeting(shared.student, shared.thread)
			}
		}, false},
	}
	jobs := manyJobs()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := seenByEach(jobs, tt.bind)
			wrong := 0
			for i, j := range jobs {
				if seen[i] != greeting(j.student, j.thread) {
					wrong++
				}
			}
			if tt.wantCorrect {
				assert.Zero(t, wrong, "goroutines that saw another's student (first: %q)", seen[0])
			} else {
				assert.GreaterOrEqual(t, wrong, len(jobs)-1, "all but the last writer must see a stranger's student")
			}
		})
	}
	assert.Empty(t, m.m, "every goroutine unbound its entry")
}

// TestApproachesWithManyGoroutines runs each approach that works end to end,
// a thousand goroutines at once, and checks every line and its place.
func TestApproachesWithManyGoroutines(t *testing.T) {
	jobs := manyJobs()
	approaches := map[string]func(job) string{
		"step 1, explicit parameters":                   processExplicit,
		"step 2, goroutine map (hack)":                  processByGoroutineMap,
		"step 3 the Go way, a receiver (main.go)":       processThread,
		"context values, for request-scoped data (not)": func(j job) string { return processWithContext(t.Context(), j) },
	}
	for name, handle := range approaches {
		t.Run(name, func(t *testing.T) {
			lines := inGoroutines(jobs, handle)
			require.Len(t, lines, len(jobs))
			for i, j := range jobs {
				assert.Equal(t, greeting(j.student, j.thread), lines[i], "line %d", i)
			}
		})
	}
	assert.Empty(t, globalDict.m, "step 2 unbinds what it bound")
}

// TestHelperGoroutine shows why the goroutine map is a dead end: work handed
// to another goroutine loses the value, while a context handed along keeps it.
func TestHelperGoroutine(t *testing.T) {
	j := job{Student{"Carol"}, "Thread-C"}
	assert.Equal(t, noStudent, helperFindsInMap(j))
	assert.Equal(t, "Carol", helperFindsInContext(t.Context(), j))
}

// TestReusedWorkerGoroutine is the thread-pool trap of threading.local: a
// value bound for one task is still there when the same thread runs the next
// task. The goroutine map has it as soon as someone forgets to unbind; a
// context cannot have it, since each task brings its own.
func TestReusedWorkerGoroutine(t *testing.T) {
	tasks := make(chan func() string)
	results := make(chan string)
	var wg sync.WaitGroup
	wg.Go(func() { // one long-lived worker runs every task
		for task := range tasks {
			results <- task()
		}
	})
	runOnWorker := func(task func() string) string {
		tasks <- task
		return <-results
	}
	defer func() { close(tasks); wg.Wait() }()

	var m goroutineMap
	var unbind func()
	runOnWorker(func() string { unbind = m.bind(job{Student{"Alice"}, "worker"}); return "" }) // no unbind
	stale := runOnWorker(func() string { j, _ := m.lookup(); return j.student.Name })
	assert.Equal(t, "Alice", stale, "the next task on the same goroutine sees the previous task's student")
	runOnWorker(func() string { unbind(); return "" })
	assert.Empty(t, m.m)

	ctx := t.Context()
	runOnWorker(func() string { return doTaskWithContext(bind(ctx, job{Student{"Alice"}, "worker"})) })
	assert.Equal(t, noStudent, runOnWorker(func() string { return doTaskWithContext(ctx) }),
		"a task's context holds only what that task bound")
}

func TestHackGoroutineID(t *testing.T) {
	here, ok := hackGoroutineID()
	require.True(t, ok, "the stack trace format changed")
	again, _ := hackGoroutineID()
	assert.Equal(t, here, again, "one goroutine, one ID")

	other := make(chan uint64)
	go func() { id, _ := hackGoroutineID(); other <- id }()
	assert.NotEqual(t, here, <-other, "another goroutine, another ID")
}

func TestContextKeysDoNotCollide(t *testing.T) {
	// A string key "student" from elsewhere must not be mistaken for ours:
	// that is why the key type is unexported.
	//lint:ignore SA1029 a colliding built-in key type is what this test is about
	ctx := context.WithValue(t.Context(), "student", Student{"Mallory"})
	_, ok := studentFrom(ctx)
	assert.False(t, ok)
	assert.Equal(t, noStudent, doTaskWithContext(ctx))
}

func TestBadInputExits2(t *testing.T) {
	clitest.RequireUsageError(t, run, []string{"-students", "3"}, "flag provided but not defined: -students")
	clitest.RequireUsageError(t, run, []string{"Alice"}, `unexpected argument "Alice"`)
	clitest.RequireHelp(t, run, "-tutorial-only", "-compare")
}
