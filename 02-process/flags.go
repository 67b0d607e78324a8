package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"multitask/internal/cli"
)

// options are the lesson's flags.
type options struct {
	name, cmd, inputCmd, input string
	crash                      bool
	tutorialOnly, compare      bool
}

func parseFlags(stdout io.Writer, args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("02-process", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&o.name, "name", "test", "the name runProc prints in the child process")
	fs.BoolVar(&o.crash, "crash", false, "make the child process panic, to see how the parent reports it")
	fs.StringVar(&o.cmd, "cmd", "uname -sr", "the command to run, as subprocess.call; words split at spaces, no quotes")
	fs.StringVar(&o.inputCmd, "input-cmd", "sort", "the command fed on stdin with its output captured, as communicate()")
	fs.StringVar(&o.input, "input", "cherry\napple\nbanana\n", "what -input-cmd reads on stdin")
	fs.BoolVar(&o.tutorialOnly, "tutorial-only", false, "print the tutorial's lines and nothing else (no Go notes)")
	fs.BoolVar(&o.compare, "compare", false, "show this lesson's -tutorial-only run beside its Python twins,\n"+
		"multi_processing.py and do_subprocess.py (needs python3)")
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	// The twins run the tutorial's programs with this lesson's defaults: a
	// comparison with other names or commands on the Go side would only
	// show that difference.
	if o.compare {
		var other []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "compare" && f.Name != "tutorial-only" {
				other = append(other, "-"+f.Name)
			}
		})
		if len(other) > 0 {
			return o, cli.Usagef("-compare runs the tutorial's programs as the Python twins do: it takes no %s", strings.Join(other, ", "))
		}
	}
	return o, nil
}

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
