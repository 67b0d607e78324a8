package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// goNotes is the line that separates the tutorial's output from what this
// port adds about Go. -tutorial-only prints neither.
const goNotes = "--- Go notes ---"

// noteWidth is how wide a notes line may be; longer ones are wrapped, the
// rest indented, so that they fit a 100-column terminal.
const noteWidth = 100

// printNote writes one note, wrapped at noteWidth columns. Output errors
// are ignored here because the tutorial's lines, written first, would have
// failed already.
func printNote(w io.Writer, format string, args ...any) {
	for _, line := range wrap(fmt.Sprintf(format, args...), noteWidth) {
		fmt.Fprintln(w, line)
	}
}

// wrap breaks text at spaces into lines of at most width runes; the lines
// after the first are indented by two spaces. A word longer than a line
// stands alone.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = "  " + word
		}
	}
	return append(lines, line)
}

// printProcessNotes prints the Go notes of process mode: the three PIDs,
// the parent PID each child reported, how each child ended, and how the
// reader came to stop.
func printProcessNotes(stdout io.Writer, cfg config, writer, reader *childProc, writeErr, readErr error, ppids map[string]int) {
	printNote(stdout, goNotes)
	printNote(stdout, "three processes: parent %d, writer %d, reader %d", os.Getpid(), writer.pid(), reader.pid())
	printNote(stdout, "%s: %s", writer.describe(ppids), processEnd(writeErr, "put its values and exited, exit status 0"))
	if reader.terminated {
		printNote(stdout, "%s: terminated by the parent once the writer exited (SIGTERM)", reader.describe(ppids))
	} else {
		printNote(stdout, "%s: %s", reader.describe(ppids), processEnd(readErr, "ended by itself at end of stream, exit status 0"))
	}
	if cfg.terminate {
		printNote(stdout, "queue: one OS pipe carrying JSON lines; the parent kept its write end open, as Python's parent keeps its Queue, so the reader never sees end of stream and has to be terminated")
	} else {
		printNote(stdout, "queue: one OS pipe carrying JSON lines; the parent closed its own copies of both ends, so the reader sees end of stream when the writer exits, and the writer gets EPIPE if the reader is gone")
	}
}

// processEnd says in a few words how a child ended.
func processEnd(err error, ok string) string {
	if err == nil {
		return ok
	}
	if ce, isChild := errors.AsType[*childError](err); isChild {
		return "failed, " + ce.err.Error()
	}
	return "failed: " + err.Error()
}

// report is what each child tells the parent about itself.
type report struct {
	Role string `json:"role"`
	PID  int    `json:"pid"`
	PPID int    `json:"ppid"`
}

// readReports reads the children's reports until end of stream and returns
// the parent PID each role reported. A child that died before reporting is
// simply missing.
func readReports(r io.Reader) map[string]int {
	ppids := map[string]int{}
	dec := json.NewDecoder(r)
	for {
		var rep report
		if err := dec.Decode(&rep); err != nil {
			return ppids
		}
		ppids[rep.Role] = rep.PPID
	}
}
