package main

// Step 1 of the tutorial: every function takes the student and the thread
// name as parameters and hands them on. It is always correct, because the
// values live in the goroutine's own calls; the tutorial finds it clumsy once
// the calls are many levels deep.

func processExplicit(j job) string {
	return doTaskExplicit(j.student, j.thread)
}

func doTaskExplicit(s Student, thread string) string {
	return doSubtaskExplicit(s, thread)
}

func doSubtaskExplicit(s Student, thread string) string {
	return greeting(s, thread)
}
