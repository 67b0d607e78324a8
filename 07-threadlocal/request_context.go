package main

// What a context.Context is for, and what it is not. The context package
// documents its values as request-scoped data that crosses API boundaries
// and processes (a request ID, the authenticated user, a trace), beside the
// deadline and cancellation a context carries; it says not to use them to
// pass optional parameters to functions. The student fits that use only as
// the user of a request: put in once where the request enters (middleware,
// an RPC interceptor) and read by code behind APIs that take nothing but ctx,
// such as a logger. For a value the code itself needs, the answer is a
// parameter or a receiver (main.go).
//
// Unlike thread-local storage, the context follows the work wherever it is
// handed, helper goroutines included, and ends with the call that made it,
// so nothing stays behind on a reused goroutine.

import "context"

// ctxKey is unexported, so no other package can make a key equal to ours:
// the values below can be read and written only through the functions here.
type ctxKey int

const (
	studentKey ctxKey = iota // the request's user
	threadKey                // the name of the flow serving it, as a request ID would be
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

// processWithContext is where the request enters: it binds the job's values
// to a new context, as the tutorial's process_thread binds them to
// local_school, and calls the API behind it.
func processWithContext(ctx context.Context, j job) string {
	return doTaskWithContext(bind(ctx, j))
}

func bind(ctx context.Context, j job) context.Context {
	return withThread(withStudent(ctx, j.student), j.thread)
}

// doTaskWithContext stands for code behind an API boundary that takes only
// ctx, as do_task_1 takes nothing in Python.
func doTaskWithContext(ctx context.Context) string {
	s, ok := studentFrom(ctx)
	if !ok {
		return noStudent
	}
	return greeting(s, threadFrom(ctx))
}

// helperFindsInContext is helperFindsInMap with a context: the helper
// goroutine is handed ctx, so it finds the student.
func helperFindsInContext(ctx context.Context, j job) string {
	ctx = bind(ctx, j)
	return inHelper(func() (Student, bool) { return studentFrom(ctx) })
}
