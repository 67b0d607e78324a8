package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"unicode/utf8"

	"multitask/09-distributed/guard"
	"multitask/09-distributed/taskq"
)

// goNotes opens the part of the output that is about Go, not the tutorial.
// -tutorial-only prints neither it nor what follows.
const goNotes = "--- Go notes ---"

// noteWidth is how wide a line of notes may be, a demo line's prefix
// included: longer notes are wrapped to fit a 100-column terminal.
const noteWidth = 100

// notef prints one note while the tutorial's lines are still going, such as
// a worker connecting or a task being put back.
type notef func(format string, args ...any)

// quiet is the notef of -tutorial-only: it prints nothing.
func quiet(string, ...any) {}

// noteLine returns a notef that writes each note to w as "-- " and the text,
// wrapped to width columns, the lines after the first indented under the
// text.
func noteLine(w io.Writer, width int) notef {
	return func(format string, args ...any) {
		var b strings.Builder
		for _, line := range wrap("-- "+fmt.Sprintf(format, args...), width, "   ") {
			b.WriteString(line + "\n")
		}
		// One write, so that a lineMux keeps the note's lines together.
		_, _ = io.WriteString(w, b.String())
	}
}

// printNote writes one line of the Go notes at the end of a run, wrapped to
// noteWidth, the lines after the first indented by two spaces.
func printNote(w io.Writer, format string, args ...any) {
	for _, line := range wrap(fmt.Sprintf(format, args...), noteWidth, "  ") {
		fmt.Fprintln(w, line)
	}
}

// wrap breaks text at spaces into lines of at most width runes, the lines
// after the first starting with indent. A word longer than a line stands
// alone.
func wrap(text string, width int, indent string) []string {
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
			line = indent + word
		}
	}
	return append(lines, line)
}

// announce says, once the master serves its queues, where they are, and
// warns of what makes them easy to reach: a short key, an address open to
// other machines.
func announce(note notef, c masterConfig, q queues) {
	if warning := guard.ShortKeyWarning(c.key); warning != "" {
		note("%s", warning)
	}
	note("serving the queues on %s over %s; workers need the same key", q.Addr(), c.transportName)
	if reachableFromOutside(q.Addr()) {
		note("%s is open to other machines: anyone who reaches it may try the handshake, "+
			"and tasks and results cross the network unencrypted (see the README)", q.Addr())
	}
}

// reachableFromOutside says whether addr (host:port, or a URL such as
// nats://host:port) listens on more than loopback.
func reachableFromOutside(addr string) bool {
	if _, rest, ok := strings.Cut(addr, "://"); ok {
		addr = rest
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// statsLine sums up what the hub saw.
func statsLine(s taskq.Stats) string {
	return fmt.Sprintf("%s put, %s kept; %s put back after a worker left, %d after a lease ran out; "+
		"%s dropped, %d late; %s refused (unknown task, or not leased to the sender); %s",
		count(s.Tasks, "task"), count(s.Results, "result"), count(s.PutBack, "task"), s.Expired,
		count(s.Duplicates, "duplicate result"), s.Late, count(s.Unknown+s.NotLeased, "result"),
		count(s.Sessions, "worker connection"))
}

// count writes "1 task" or "2 tasks".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
