package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"multitask/internal/cli"
)

// waitDelay bounds how long Wait waits for a command's output after the
// command has exited or been cancelled: a background process it left behind
// may hold the pipe open, and the lesson must not hang on it.
const waitDelay = 2 * time.Second

// newCommand builds the command the flag named flagName gives. There is no
// shell: the line is split at white space, and quotes, which would not work
// the way a shell user expects, are refused. A name that cannot be found or
// run is an error at once, before anything has been printed.
func newCommand(ctx context.Context, flagName, line string) (*exec.Cmd, error) {
	words := strings.Fields(line)
	if len(words) == 0 {
		return nil, cli.Usagef("-%s must name a command", flagName)
	}
	if strings.ContainsAny(line, `'"`) {
		return nil, cli.Usagef("-%s %q: quotes are not supported, words are split at spaces; for more, use -input-cmd sh -input 'your script'", flagName, line)
	}
	cmd := exec.CommandContext(ctx, words[0], words[1:]...)
	// exec.Command has already looked the name up in $PATH.
	if cmd.Err != nil {
		return nil, fmt.Errorf("-%s %q: %w", flagName, line, cmd.Err)
	}
	cmd.WaitDelay = waitDelay
	cmd.Stderr = os.Stderr
	return cmd, nil
}

// runCall is subprocess.call: the command writes straight to our stdout,
// and we print its exit code.
func runCall(ctx context.Context, stdout io.Writer, cmd *exec.Cmd) error {
	fmt.Fprintf(stdout, "$ %s\n", strings.Join(cmd.Args, " "))
	cmd.Stdout = stdout
	return finish(ctx, stdout, cmd, cmd.Run())
}

// runCommunicate is Popen(stdin=PIPE, stdout=PIPE).communicate(input): the
// command reads input on its stdin, its output is collected in memory, and
// only after it has ended do we print what it wrote.
func runCommunicate(ctx context.Context, stdout io.Writer, cmd *exec.Cmd, input string) error {
	fmt.Fprintf(stdout, "$ %s\n", strings.Join(cmd.Args, " "))
	var output bytes.Buffer
	cmd.Stdin = strings.NewReader(input)
	cmd.Stdout = &output
	err := cmd.Run()
	// Print what was captured even when the command failed: it may say why.
	stdout.Write(output.Bytes())
	if output.Len() > 0 && !bytes.HasSuffix(output.Bytes(), []byte("\n")) {
		fmt.Fprintln(stdout)
	}
	return finish(ctx, stdout, cmd, err)
}

// finish prints the exit code of a command that ran and decides what its end
// means for the lesson. A non-zero exit code is what the lesson shows, not a
// failure of the lesson, so it returns nil then; it fails when the command
// could not run, when its output could not be copied, or when the context was
// cancelled.
func finish(ctx context.Context, stdout io.Writer, cmd *exec.Cmd, err error) error {
	name := cmd.Args[0]
	if cmd.ProcessState == nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted before %s started: %w", name, ctx.Err())
		}
		return fmt.Errorf("run %s: %w", name, err)
	}
	fmt.Fprintln(stdout, exitCodeLine(cmd.ProcessState))
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while %s ran: %w", name, ctx.Err())
	}
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*exec.ExitError](err); ok {
		// The exit code printed above is the answer.
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// exitCodeLine is the tutorial's "Exit code: N". Python reports a command
// killed by signal N as -N; Go's ExitCode is -1 then, so the line adds the
// signal by name.
func exitCodeLine(state *os.ProcessState) string {
	code := state.ExitCode()
	if code >= 0 {
		return fmt.Sprintf("Exit code: %d", code)
	}
	return fmt.Sprintf("Exit code: %d (%v)", code, state)
}
