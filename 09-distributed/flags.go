package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"multitask/internal/cli"
)

// masterConfig is what the master's flags say.
type masterConfig struct {
	common
	addr      string
	tasks     int
	timeout   time.Duration
	handshake time.Duration
	lease     time.Duration
}

// workerConfig is what a worker's flags say.
type workerConfig struct {
	common
	addr string
	pace time.Duration
	idle time.Duration
}

// server is where the worker connects: -addr, unless the transport's own
// flags name another place (jetstream's -nats).
func (c workerConfig) server() string {
	if c.transport.reach != nil {
		return c.transport.reach(c.flags, c.addr)
	}
	return c.addr
}

// demoConfig is what the demo's flags say.
type demoConfig struct {
	common
	workers int
	tasks   int
	pace    time.Duration
	idle    time.Duration
	timeout time.Duration
	// compare runs the demo with -tutorial-only beside the Python twins
	// (compare.go).
	compare bool
}

// defaultLease is how long a task stays leased to a worker that gives no
// sign of life; a live worker's heartbeat renews it four times as often.
const defaultLease = 10 * time.Second

func parseMaster(stdout io.Writer, args []string) (masterConfig, error) {
	fs := flag.NewFlagSet("master", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c masterConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5000", `address to listen on, not empty; the default serves this machine only, ":5000" every network`)
	fs.IntVar(&c.tasks, "tasks", 10, fmt.Sprintf("how many tasks to put (1 to %d)", maxTasks))
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, fmt.Sprintf("give up when no result has come for this long (at most %v)", maxDuration))
	fs.DurationVar(&c.handshake, "handshake", defaultHandshake,
		fmt.Sprintf("how long a connecting worker has to prove it knows the key (at most %v)", maxHandshake))
	fs.DurationVar(&c.lease, "lease", defaultLease,
		fmt.Sprintf("a task goes back to the queue when its worker gives no sign of life for this long (%v to %v)", minLease, maxDuration))
	shared := addCommonFlags(fs, true)
	var err error
	c.common, err = shared.parse(fs, args, func() []error {
		return []error{
			notEmpty("addr", c.addr, `give host:port, e.g. 127.0.0.1:5000 (this machine only) or :5000 (every network)`),
			cli.Positive("tasks", c.tasks),
			cli.AtMost("tasks", c.tasks, maxTasks),
			cli.PositiveDuration("timeout", c.timeout),
			cli.DurationAtMost("timeout", c.timeout, maxDuration),
			cli.PositiveDuration("handshake", c.handshake),
			cli.DurationAtMost("handshake", c.handshake, maxHandshake),
			durationAtLeast("lease", c.lease, minLease),
			cli.DurationAtMost("lease", c.lease, maxDuration),
		}
	})
	return c, err
}

func parseWorker(stdout io.Writer, args []string) (workerConfig, error) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c workerConfig
	fs.StringVar(&c.addr, "addr", "127.0.0.1:5000", "the master's address")
	fs.DurationVar(&c.pace, "sleep", time.Second, fmt.Sprintf("how long each task takes (the tutorial sleeps 1s; at most %v)", maxDuration))
	fs.DurationVar(&c.idle, "idle", time.Second, fmt.Sprintf("stop when the task queue stays empty this long (at most %v)", maxDuration))
	shared := addCommonFlags(fs, true)
	var err error
	c.common, err = shared.parse(fs, args, func() []error {
		return []error{
			notEmpty("addr", c.addr, "give the master's host:port, e.g. 127.0.0.1:5000"),
			cli.NonNegative("sleep", c.pace),
			cli.DurationAtMost("sleep", c.pace, maxDuration),
			cli.PositiveDuration("idle", c.idle),
			cli.DurationAtMost("idle", c.idle, maxDuration),
		}
	})
	return c, err
}

func parseDemo(stdout io.Writer, args []string) (demoConfig, error) {
	fs := flag.NewFlagSet("09-distributed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var c demoConfig
	fs.IntVar(&c.workers, "workers", 2, fmt.Sprintf("how many worker processes to start (1 to %d)", maxWorkers))
	fs.IntVar(&c.tasks, "tasks", 10, fmt.Sprintf("how many tasks the master puts (1 to %d)", maxTasks))
	fs.DurationVar(&c.pace, "sleep", time.Second, fmt.Sprintf("how long each task takes (at most %v)", maxDuration))
	fs.DurationVar(&c.idle, "idle", time.Second, fmt.Sprintf("a worker stops when the task queue stays empty this long (at most %v)", maxDuration))
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, fmt.Sprintf("the master gives up when no result has come for this long (at most %v)", maxDuration))
	fs.BoolVar(&c.compare, "compare", false,
		"show -tutorial-only with one worker beside the Python twins task_master.py and task_worker.py (needs python3)")
	shared := addCommonFlags(fs, false)
	var err error
	c.common, err = shared.parse(fs, args, func() []error {
		return []error{
			cli.Positive("workers", c.workers),
			cli.AtMost("workers", c.workers, maxWorkers),
			cli.Positive("tasks", c.tasks),
			cli.AtMost("tasks", c.tasks, maxTasks),
			cli.NonNegative("sleep", c.pace),
			cli.DurationAtMost("sleep", c.pace, maxDuration),
			cli.PositiveDuration("idle", c.idle),
			cli.DurationAtMost("idle", c.idle, maxDuration),
			cli.PositiveDuration("timeout", c.timeout),
			cli.DurationAtMost("timeout", c.timeout, maxDuration),
			compareTakes(fs, c.compare),
		}
	})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "The demo runs the master here and the workers as processes of their own.\n"+
			"To run the two sides yourself: 09-distributed master -h; 09-distributed worker -h.")
	}
	return c, err
}

// compareTakes refuses, with -compare, the flags that would change the
// tutorial's lines on the Go side only: the Python side is the tutorial's
// two scripts, ten tasks and one worker. -sleep is passed on to both sides;
// -idle, -timeout and -transport change nothing that either prints.
func compareTakes(fs *flag.FlagSet, compare bool) error {
	if !compare {
		return nil
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if (f.Name == "workers" || f.Name == "tasks") && err == nil {
			err = cli.Usagef("-compare cannot take -%s: it runs the tutorial's ten tasks and one worker on each side, "+
				"the Go side with -tutorial-only", f.Name)
		}
	})
	return err
}

// common is what every command's flags say besides its own: how master and
// workers talk, the key (the master's and a worker's; the demo makes its
// own), and whether to print the tutorial's lines and nothing else.
type common struct {
	transportName string
	transport     transport
	key           []byte
	tutorialOnly  bool
	flags         any // what the chosen transport's own flags said
}

// notes returns how a command prints its notes as they happen: on out,
// wrapped to width columns; with -tutorial-only, not at all.
func (c common) notes(out io.Writer, width int) notef {
	if c.tutorialOnly {
		return quiet
	}
	return noteLine(out, width)
}

// commonFlags are the flags behind common, once defined on a flag set.
type commonFlags struct {
	transport    *string
	authkey      *string // nil for the demo
	tutorialOnly *bool
	extra        map[string]any // each transport's own flags
}

func addCommonFlags(fs *flag.FlagSet, withKey bool) commonFlags {
	f := commonFlags{
		transport: fs.String("transport", defaultTransport,
			"how master and workers talk: "+strings.Join(transportNames(), ", ")),
		tutorialOnly: fs.Bool("tutorial-only", false,
			"print the tutorial's lines and nothing else (no -- lines, no Go notes)"),
		extra: map[string]any{},
	}
	if withKey {
		f.authkey = fs.String("authkey", "",
			"the shared secret key (default: the "+keyEnv+" environment variable; both sides need the same)")
	}
	for name, t := range transports {
		if t.flags != nil {
			f.extra[name] = t.flags(fs, fs.Name())
		}
	}
	return f
}

// parse parses args into fs and checks the values in order: the results of
// checks (called once the flags are set), the transport, then the key.
func (f commonFlags) parse(fs *flag.FlagSet, args []string, checks func() []error) (common, error) {
	if err := cli.Parse(fs, args); err != nil {
		return common{}, err
	}
	for _, err := range checks() {
		if err != nil {
			return common{}, err
		}
	}
	t, err := lookupTransport(*f.transport)
	if err != nil {
		return common{}, err
	}
	c := common{transportName: *f.transport, transport: t, tutorialOnly: *f.tutorialOnly, flags: f.extra[*f.transport]}
	if f.authkey != nil {
		c.key, err = resolveKey(*f.authkey)
	}
	return c, err
}

// keyEnv is where the key is looked up when -authkey is not given. An
// environment variable is the better place: a command line is visible to
// every user of the machine (ps), a process's environment is not.
const keyEnv = "AUTHKEY"

// resolveKey returns the key from the flag, else from the environment, and
// refuses an empty one: a connection proves the key, so no key would let
// anyone in.
func resolveKey(fromFlag string) ([]byte, error) {
	key := fromFlag
	if key == "" {
		key = os.Getenv(keyEnv)
	}
	if key == "" {
		return nil, cli.Usagef("no key: pass -authkey or set %s (the master and its workers need the same one)", keyEnv)
	}
	return []byte(key), nil
}
