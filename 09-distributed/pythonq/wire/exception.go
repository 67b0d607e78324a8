package wire

import (
	"fmt"
	"strings"
)

// PyException is a Python exception in a pickle: a call of one of the few
// exception classes this exchange needs, with plain-value arguments. It is
// what a "#ERROR" reply carries, and what Python raises when it loads one.
// Module is the canonical one: "builtins" for the builtin exceptions
// (Python 3 writes them under "exceptions" at protocol 2), "_queue" for
// Empty (whichever of "_queue" and "queue" named it), "queue" for Full.
type PyException struct {
	Module, Name string
	Args         []any
}

// QueueEmpty is queue.Empty, what Queue.get raises when nothing came in
// time. Compare with errors.Is, which matches by class.
var QueueEmpty = &PyException{Module: "_queue", Name: "Empty"}

// QueueFull is queue.Full, what Queue.put raises on a full bounded queue.
var QueueFull = &PyException{Module: "queue", Name: "Full"}

// Error formats the exception as Python prints its last line: the class,
// then the arguments.
func (e *PyException) Error() string {
	if len(e.Args) == 0 {
		return e.Module + "." + e.Name
	}
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = fmt.Sprintf("%#v", a)
	}
	return e.Module + "." + e.Name + ": " + strings.Join(args, ", ")
}

// Is reports whether target is a *PyException of the same class, whatever
// its arguments: errors.Is(err, QueueEmpty) is true for every queue.Empty.
func (e *PyException) Is(target error) bool {
	t, ok := target.(*PyException)
	return ok && t.Module == e.Module && t.Name == e.Name
}

// builtinExceptions are the builtin exceptions a reply may carry: what a
// queue's methods and the manager's own requests raise (KeyError for an
// unknown object, AttributeError for a method it does not expose,
// TypeError for wrong arguments, ValueError, RuntimeError, EOFError,
// IndexError), and Exception itself. Nothing else is decoded.
var builtinExceptions = []string{
	"Exception", "AttributeError", "EOFError", "IndexError",
	"KeyError", "RuntimeError", "TypeError", "ValueError",
}

// exceptionClasses maps every spelling of an allowed class, module and
// name, to its canonical module.
var exceptionClasses = func() map[[2]string]string {
	m := map[[2]string]string{
		{"_queue", "Empty"}: "_queue",
		{"queue", "Empty"}:  "_queue",
		{"queue", "Full"}:   "queue",
	}
	for _, name := range builtinExceptions {
		m[[2]string{"builtins", name}] = "builtins"
		m[[2]string{"exceptions", name}] = "builtins"
	}
	return m
}()

// byteHelpers are the globals Python itself calls to rebuild bytes and
// bytearray objects at protocols 2 and 3 ("_codecs.encode(text,
// 'latin1')", "bytes()", "bytearray(data)"). og-rek turns the usual forms
// into Go values without calling anything; Decode handles the others.
var byteHelpers = map[[2]string]bool{
	{"_codecs", "encode"}:        true,
	{"__builtin__", "bytes"}:     true,
	{"__builtin__", "bytearray"}: true,
	{"builtins", "bytes"}:        true,
	{"builtins", "bytearray"}:    true,
}

// allowedGlobal reports whether a pickle may name module.name at all.
func allowedGlobal(module, name string) bool {
	k := [2]string{module, name}
	_, exc := exceptionClasses[k]
	return exc || byteHelpers[k]
}
