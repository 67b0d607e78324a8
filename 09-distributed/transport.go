package main

import (
	"context"
	"flag"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"multitask/09-distributed/rpcq"
	"multitask/09-distributed/taskq"
	"multitask/internal/cli"
)

// A transport carries the hub's queues between the master and its workers.
// The master and worker logic never sees which one: it holds a taskq.Master
// or a taskq.Worker. Adding a transport is adding an entry to transports.
type transport struct {
	// serve listens on addr and serves hub to workers that know key.
	serve func(addr string, key []byte, hub *taskq.Hub, o serveOptions) (server, error)
	// dial connects a worker to the master at addr.
	dial func(ctx context.Context, addr string, key []byte) (taskq.Worker, error)
}

// server is a transport's listening side.
type server interface {
	Addr() net.Addr
	Close() error
}

type serveOptions struct {
	handshake time.Duration // how long a connecting worker has to prove the key
	logf      func(format string, args ...any)
}

var transports = map[string]transport{
	"rpc": {
		serve: func(addr string, key []byte, hub *taskq.Hub, o serveOptions) (server, error) {
			return rpcq.Listen(addr, key, hub, rpcq.Options{HandshakeTimeout: o.handshake, Logf: o.logf})
		},
		dial: func(ctx context.Context, addr string, key []byte) (taskq.Worker, error) {
			return rpcq.Dial(ctx, addr, key, rpcq.Options{})
		},
	},
}

const defaultTransport = "rpc"

// sharedFlags are the flags of every command: -transport, and -authkey for
// the master and the worker (the demo makes its own key).
type sharedFlags struct {
	transport *string
	authkey   *string
}

func addSharedFlags(fs *flag.FlagSet, withKey bool) sharedFlags {
	f := sharedFlags{transport: fs.String("transport", defaultTransport,
		"how master and workers talk: "+strings.Join(transportNames(), ", "))}
	if withKey {
		f.authkey = fs.String("authkey", "",
			"the shared secret key (default: the "+keyEnv+" environment variable; both sides need the same)")
	}
	return f
}

// parse parses args into fs and checks the values in order: the results of
// checks (called once the flags are set), the transport, then the key.
func (f sharedFlags) parse(fs *flag.FlagSet, args []string, checks func() []error) (transport string, key []byte, err error) {
	if err := cli.Parse(fs, args); err != nil {
		return "", nil, err
	}
	for _, err := range checks() {
		if err != nil {
			return "", nil, err
		}
	}
	if _, err := lookupTransport(*f.transport); err != nil {
		return "", nil, err
	}
	if f.authkey != nil {
		key, err = resolveKey(*f.authkey)
	}
	return *f.transport, key, err
}

func lookupTransport(name string) (transport, error) {
	t, ok := transports[name]
	if !ok {
		return transport{}, cli.Usagef("-transport %q is not known; there is %s", name, strings.Join(transportNames(), ", "))
	}
	return t, nil
}

func transportNames() []string {
	names := make([]string, 0, len(transports))
	for name := range transports {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
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
