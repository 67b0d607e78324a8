// Package childtest holds what the tests of every lesson that starts child
// processes need: serving the child role from the test binary, and checking
// that no child was left behind.
package childtest

import (
	"os"
	"strings"

	"multitask/internal/child"
)

// Serve is child.Serve for a TestMain, which calls it first. In the parent it
// also spares every child the race detector's exit grace: a binary built with
// -race sleeps for GORACE's atexit_sleep_ms (one second by default) before a
// successful exit, so that late race reports still get out. The children of
// the lessons end right after their work, and a second each would make the
// process tests slow under -race; without -race the setting does nothing.
func Serve() {
	child.Serve()
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}
