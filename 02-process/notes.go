package main

import (
	"fmt"
	"io"
)

// goNotes prints, after the tutorial's lines, how each call of the
// tutorial's programs is done in Go. Its lines fit a 100-column terminal.
func goNotes(stdout io.Writer, opts options, childPID int) error {
	fmt.Fprintln(stdout, "--- Go notes ---")
	fmt.Fprintf(stdout, "Process(target=runProc) is this binary started again as child role %q:\n", opts.childRole())
	fmt.Fprintf(stdout, "PID %d, exit status 0.\n", childPID)
	fmt.Fprintln(stdout, "subprocess.call is exec.Cmd.Run with the command's stdout and stderr on ours.")
	fmt.Fprintf(stdout, "communicate() is exec.Cmd with Stdin reading %q\n", opts.input)
	fmt.Fprintln(stdout, "and Stdout in a buffer, printed after the command ended.")
	fmt.Fprintln(stdout, "A command's non-zero exit code is its answer, not this program's failure:")
	_, err := fmt.Fprintln(stdout, "the exit status here stays 0.")
	return err
}
