// Package child starts "a child process running one of my own functions",
// which is what Python's multiprocessing.Process does and what Go has no
// fork() for.
//
// Go cannot fork a copy of a running program: the runtime is multi-threaded,
// and a forked copy would hold only the one thread that called fork, with
// every lock another thread held stuck forever. So a Go program that wants a
// child running its own code re-runs its own binary (os.Executable) and tells
// the new process which function to run. Here that marker is argv[0]: the
// child is started with os.Args[0] set to "child:<role>", so ps(1) shows the
// role, and the real arguments follow untouched.
//
// The same works in tests: os.Executable is then the test binary, and each
// test package's TestMain calls [Serve] before anything else, so the test
// binary can play the child too.
//
// github.com/moby/sys/reexec does the same in a few more lines. It is not used
// because the project keeps its dependencies to three, and because this
// package adds what the lessons need on top: a clear error when a role is not
// registered, the child's error turned into an exit status, and on Linux a
// parent-death signal so that no child outlives a parent that crashed.
package child

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
)

// marker prefixes argv[0] of a child process; what follows it names the role.
const marker = "child:"

var (
	mu    sync.Mutex
	roles = map[string]func(args []string) error{}
)

// Register makes fn available as the child role name. Call it from an init
// function, so that the parent and the child (the same binary) agree on the
// roles. Registering one name twice is a programming error and panics.
func Register(name string, fn func(args []string) error) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := roles[name]; dup {
		panic("child: role registered twice: " + name)
	}
	roles[name] = fn
}

// ExitCoder is an error that chooses the child's exit status. A child role
// that returns any other non-nil error exits with status 1.
type ExitCoder interface {
	error
	ExitCode() int
}

// Serve runs the child role this process was started for, then exits with its
// status. In a process that is not a child it returns at once, so main and
// TestMain call it first.
func Serve() {
	role, ok := strings.CutPrefix(os.Args[0], marker)
	if !ok {
		return
	}
	os.Exit(serve(role, os.Args[1:]))
}

// serve runs one role and returns the exit status; it is Serve without the
// os.Exit, so that it can be tested.
func serve(role string, args []string) int {
	mu.Lock()
	fn, ok := roles[role]
	mu.Unlock()
	if !ok {
		fmt.Fprintf(os.Stderr, "child: unknown role %q\n", role)
		return 2
	}
	err := fn(args)
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "child %s (pid %d): %v\n", role, os.Getpid(), err)
	if ec, ok := errors.AsType[ExitCoder](err); ok {
		return ec.ExitCode()
	}
	return 1
}

// Command returns a command that re-runs this binary as the child role name
// with args. The caller sets Stdin, Stdout, Stderr and ExtraFiles as for any
// exec.Cmd, then starts and waits for it; cancelling ctx kills the child.
// The role must be registered in this binary.
func Command(ctx context.Context, name string, args ...string) (*exec.Cmd, error) {
	mu.Lock()
	_, ok := roles[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("child: no role %q is registered (have %s)", name, strings.Join(Roles(), ", "))
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("child: find own binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Args = append([]string{marker + name}, args...)
	setParentDeathSignal(cmd)
	return cmd, nil
}

// Roles lists the registered role names in order.
func Roles() []string {
	mu.Lock()
	defer mu.Unlock()
	names := make([]string, 0, len(roles))
	for name := range roles {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ExtraFile returns the i-th file the parent passed in exec.Cmd.ExtraFiles.
// The child inherits them as descriptors 3, 4, …, in that order. Extra files
// are a Unix feature; on Windows exec.Cmd refuses them.
func ExtraFile(i int, name string) (*os.File, error) {
	fd := uintptr(3 + i)
	if err := checkInherited(fd); err != nil {
		return nil, fmt.Errorf("child: no extra file %d (%s) was passed: %w", i, name, err)
	}
	return os.NewFile(fd, name), nil
}
