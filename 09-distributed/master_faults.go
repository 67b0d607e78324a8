package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"multitask/09-distributed/taskq"
)

// Where task_master.py crashes or trusts its workers, the master says what
// happened in one line, or keeps a worker's text harmless.

// missingResults is the master's timeout: no result came for too long.
// task_master.py dies with a queue.Empty traceback there, before
// manager.shutdown(); the master names what is missing, shuts down and
// exits 1.
type missingResults struct {
	timeout time.Duration
	total   int
	open    map[uint64]taskq.Task
}

func (e *missingResults) Error() string {
	ns := make([]int, 0, len(e.open))
	earlier := 0 // tasks of an earlier master whose numbers are not known here
	for _, t := range e.open {
		if t.N == unknownN {
			earlier++
			continue
		}
		ns = append(ns, t.N)
	}
	slices.Sort(ns)
	shown := make([]string, 0, 5)
	for _, n := range ns[:min(len(ns), cap(shown))] {
		shown = append(shown, strconv.Itoa(n))
	}
	list := strings.Join(shown, ", ")
	if len(ns) > len(shown) {
		list += fmt.Sprintf(" and %d more", len(ns)-len(shown))
	}
	if earlier > 0 {
		if list != "" {
			list += ", and "
		}
		list += count(earlier, "task") + " put by the earlier master"
	}
	return fmt.Sprintf("no result for %v: %d of %d results missing (for %s); is a worker running, with the same key?",
		e.timeout, len(e.open), e.total, list)
}

// printable keeps a result's text on one harmless line: a worker holds the
// key, but it is still no reason to let it write control characters to the
// master's terminal.
func printable(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) {
		return strconv.Quote(s)
	}
	return s
}
