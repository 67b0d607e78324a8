//go:build !unix

package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
)

// forkExecAvailable says whether this build shows syscall.ForkExec.
const forkExecAvailable = false

// forkExec says what this system has instead: syscall.ForkExec exists only
// on Unix, and elsewhere (Windows: CreateProcess) os/exec is the one way to
// start a process, which is what started the children above.
func forkExec(_ context.Context, out io.Writer) error {
	_, err := fmt.Fprintf(out, "syscall.ForkExec is not available on %s: Go starts processes there\n"+
		"only through os/exec (os.StartProcess).\n", runtime.GOOS)
	return err
}
