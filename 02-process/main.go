// Command 02-process ports two examples of the tutorial's 多进程
// (multiprocessing) section: multiprocessing.Process, which runs a function
// of the program in a child process and waits for it, and subprocess, which
// runs an external command, first with its output going straight to ours
// (subprocess.call), then fed on stdin with its output captured
// (Popen.communicate).
//
// Go has no fork(), so the child process is this same binary started again
// and told to run runProc (see [multitask/internal/child]).
//
// Run it from the repository root:
//
//	go run ./02-process
//	go run ./02-process -cmd 'ls -l /' -input-cmd 'tr a-z A-Z' -input 'hello'
//	go run ./02-process -crash
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"multitask/internal/child"
	"multitask/internal/cli"
)

func main() {
	child.Serve()
	// Ctrl-C cancels the context, so a long command is killed and reported
	// rather than left to the terminal.
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	cli.Exit(err)
}

func run(ctx context.Context, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("02-process", flag.ContinueOnError)
	fs.SetOutput(stdout)
	name := fs.String("name", "test", "the name runProc prints in the child process")
	crash := fs.Bool("crash", false, "make the child process panic, to see how the parent reports it")
	cmdLine := fs.String("cmd", "uname -sr", "the command to run, as subprocess.call; words split at spaces, no quotes")
	inputCmdLine := fs.String("input-cmd", "sort", "the command fed on stdin with its output captured, as communicate()")
	input := fs.String("input", "cherry\napple\nbanana\n", "what -input-cmd reads on stdin")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	// Every command is checked before anything runs, so a typo costs one
	// line of error and no half-done output.
	call, err := newCommand(ctx, "cmd", *cmdLine)
	if err != nil {
		return err
	}
	communicate, err := newCommand(ctx, "input-cmd", *inputCmdLine)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Parent process %d.\n", os.Getpid())
	fmt.Fprintln(stdout, "Child process will start.")
	role := runProcRole
	if *crash {
		role = crashRole
	}
	childPID, err := runProcess(ctx, stdout, role, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Child process end.")

	if err := runCall(ctx, stdout, call); err != nil {
		return err
	}
	if err := runCommunicate(ctx, stdout, communicate, *input); err != nil {
		return err
	}

	fmt.Fprintln(stdout, "--- Go notes ---")
	fmt.Fprintf(stdout, "Process(target=runProc) is this binary started again as child role %q: PID %d, exit status 0.\n", role, childPID)
	fmt.Fprintln(stdout, "subprocess.call is exec.Cmd.Run with the command's stdout and stderr on ours.")
	fmt.Fprintf(stdout, "communicate() is exec.Cmd with Stdin reading %q and Stdout in a buffer, printed after the command ended.\n", *input)
	fmt.Fprintln(stdout, "A command's non-zero exit code is its answer, not this program's failure: the exit status here stays 0.")
	return nil
}
