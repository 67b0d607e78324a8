// Command 02-process ports two examples of the tutorial's 多进程
// (multiprocessing) section, in the page's order:
// https://liaoxuefeng.com/books/python/process-thread/process/index.html
//
// The first, multiprocessing.Process, runs a function of the program in a
// child process and waits for it. The second, subprocess, runs an external
// command, first with its output going straight to ours (subprocess.call),
// then fed on stdin with its output captured (Popen.communicate). Go has no
// fork(), so the child process is this same binary started again and told
// to run runProc (see [multitask/internal/child]).
//
// Run it from the repository root:
//
//	go run ./02-process                 # the tutorial's lines, then the Go notes
//	go run ./02-process -tutorial-only  # the tutorial's lines and nothing else
//	go run ./02-process -compare        # beside the Python twins
//	go run ./02-process -cmd 'ls -l /' -input-cmd 'tr a-z A-Z' -input 'hello'
//	go run ./02-process -crash
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

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
	opts, err := parseFlags(stdout, args)
	if err != nil {
		return err
	}
	if opts.compare {
		return compare(ctx, stdout, processTwin(), subprocessTwin())
	}
	// Every command is checked before anything runs, so a typo costs one
	// line of error and no half-done output.
	call, err := newCommand(ctx, "cmd", opts.cmd)
	if err != nil {
		return err
	}
	communicate, err := newCommand(ctx, "input-cmd", opts.inputCmd)
	if err != nil {
		return err
	}

	childPID, err := multiProcessing(ctx, stdout, opts.childRole(), opts.name)
	if err != nil {
		return err
	}
	if err := doSubprocess(ctx, stdout, call, communicate, opts.input); err != nil {
		return err
	}
	if opts.tutorialOnly {
		return nil
	}
	return goNotes(stdout, opts, childPID)
}

// The first program: multi_processing.py.

// runProcRole is the name under which this binary, started again, runs
// runProc, as Process(target=run_proc) does.
const runProcRole = "runProc"

func init() {
	child.Register(runProcRole, func(args []string) error {
		name, err := oneArg(args)
		if err != nil {
			return err
		}
		return runProc(os.Stdout, name)
	})
}

// runProc is the function the tutorial runs in its child process.
func runProc(w io.Writer, name string) error {
	_, err := fmt.Fprintf(w, "Run child process %s (%d)...\n", name, os.Getpid())
	return err
}

// oneArg is the argument a child role got: the name, which arrives on the
// command line, not as a copy of the parent's memory.
func oneArg(args []string) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("want one argument, the name, got %d", len(args))
	}
	return args[0], nil
}

// multiProcessing is the tutorial's main block: Process(target=run_proc,
// args=(name,)), start() and join(). Unlike join(), Wait does not let a
// crash pass unnoticed: a child that fails is named, with its PID and exit
// status, in the error. It returns the child's PID, for the Go notes.
func multiProcessing(ctx context.Context, stdout io.Writer, role, name string) (int, error) {
	fmt.Fprintf(stdout, "Parent process %d.\n", os.Getpid())
	p, err := child.Command(ctx, role, name)
	if err != nil {
		return 0, err
	}
	// Only one child writes while this goroutine waits, and Wait returns
	// after the child's output has been copied, so stdout needs no lock. A
	// panic trace is the child's to print, as a Python child prints its
	// traceback: it goes straight to our stderr.
	p.Stdout, p.Stderr = stdout, os.Stderr
	fmt.Fprintln(stdout, "Child process will start.")
	if err := p.Start(); err != nil {
		return 0, fmt.Errorf("start child process %s: %w", role, err)
	}
	if err := p.Wait(); err != nil {
		return 0, fmt.Errorf("child process %s (pid %d) failed: %w", role, p.Process.Pid, err)
	}
	fmt.Fprintln(stdout, "Child process end.")
	return p.Process.Pid, nil
}

// The second program: do_subprocess.py.

// doSubprocess runs call as subprocess.call does, its output going straight
// to ours, and communicate as Popen(stdin=PIPE, stdout=PIPE).communicate(input)
// does: input on its stdin, its output collected in memory and printed only
// after it has ended. Each command's exit code follows it (exit_code.go).
func doSubprocess(ctx context.Context, stdout io.Writer, call, communicate *exec.Cmd, input string) error {
	fmt.Fprintf(stdout, "$ %s\n", strings.Join(call.Args, " "))
	call.Stdout = stdout
	if err := printExitCode(ctx, stdout, call, call.Run()); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "$ %s\n", strings.Join(communicate.Args, " "))
	var output bytes.Buffer
	communicate.Stdin = strings.NewReader(input)
	communicate.Stdout = &output
	err := communicate.Run()
	// print(output.decode()) adds a newline after the text, which usually
	// ends in one already: the tutorial's empty line. What was captured is
	// printed even when the command failed: it may say why.
	stdout.Write(output.Bytes())
	fmt.Fprintln(stdout)
	return printExitCode(ctx, stdout, communicate, err)
}
