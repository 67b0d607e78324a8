package main

// Step 3, the Go answer to threading.local. Values that belong to one
// request (the student being served, the name of the flow serving it) ride in
// a context.Context that is passed as the first parameter. Unlike
// thread-local storage, the context follows the work wherever it goes: into
// helper goroutines, across API boundaries, and it ends with the call that
// made it, so nothing stays behind on a reused goroutine.

import "context"

// ctxKey is unexported, so no other package can make a key equal to ours:
// the values below can be read and written only through the functions here.
type ctxKey int

const (
	studentKey ctxKey = iota
	threadKey
)

func withStudent(ctx context.Context, s Student) context.Context {
	return context.WithValue(ctx, studentKey, s)
}

func studentFrom(ctx context.Context) (Student, bool) {
	s, ok := ctx.Value(studentKey).(Student)
	return s, ok
}

func withThread(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, threadKey, name)
}

func threadFrom(ctx context.Context) string {
	name, _ := ctx.Value(threadKey).(string)
	return name
}

// processWithContext binds the job's values to a new context, as the
// tutorial's process_thread binds them to local_school.
func processWithContext(ctx context.Context, j job) string {
	return doTaskWithContext(bind(ctx, j))
}

func bind(ctx context.Context, j job) context.Context {
	return withThread(withStudent(ctx, j.student), j.thread)
}

// doTaskWithContext takes only ctx, as do_task_1 takes nothing in Python.
func doTaskWithContext(ctx context.Context) string {
	s, ok := studentFrom(ctx)
	if !ok {
		return noStudent
	}
	return greeting(s, threadFrom(ctx))
}

// helperFindsInContext is helperFindsInMap done the Go way: the helper
// goroutine is handed ctx, so it finds the student.
func helperFindsInContext(ctx context.Context, j job) string {
	ctx = bind(ctx, j)
	return inHelper(func() (Student, bool) { return studentFrom(ctx) })
}
