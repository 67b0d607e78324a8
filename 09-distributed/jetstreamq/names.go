package jetstreamq

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultName names the streams of a run when the options name none.
const DefaultName = "taskq"

// validName keeps a run's name one NATS subject token and a valid stream
// name: no dots, wildcards or spaces.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// names are the streams, subjects and consumers of one run.
type names struct {
	tasks, results, run string // stream names
	taskPrefix          string // <name>.task. + ID
	resultPrefix        string // <name>.result. + ID
	taken               string // the master's record of results taken
	state               string // "open" or "closed"
	workers             string // the workers' consumer on tasks
	master              string // the master's consumer on results
}

func namesFor(name string) (names, error) {
	if name == "" {
		name = DefaultName
	}
	if !validName.MatchString(name) {
		return names{}, fmt.Errorf("run name %q: use 1 to 32 letters, digits, '_' or '-'", name)
	}
	return names{
		tasks:        name + "_tasks",
		results:      name + "_results",
		run:          name + "_run",
		taskPrefix:   name + ".task.",
		resultPrefix: name + ".result.",
		taken:        name + ".run.taken",
		state:        name + ".run.state",
		workers:      "workers",
		master:       "master",
	}, nil
}

func (n names) taskSubject(id uint64) string   { return n.taskPrefix + strconv.FormatUint(id, 10) }
func (n names) resultSubject(id uint64) string { return n.resultPrefix + strconv.FormatUint(id, 10) }

// idOf reads the task ID at the end of a subject that starts with prefix.
func idOf(subject, prefix string) (uint64, error) {
	rest, ok := strings.CutPrefix(subject, prefix)
	if !ok {
		return 0, fmt.Errorf("subject %q is not under %q", subject, prefix)
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("subject %q: no task ID", subject)
	}
	return id, nil
}

// State messages: the master says so when it opens the queues and when it
// closes them.
const (
	stateOpen   = "open"
	stateClosed = "closed"
)
