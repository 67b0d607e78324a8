package jetstreamq

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerOptions configure an embedded NATS server.
type ServerOptions struct {
	// Addr is host:port to listen on. The default, "127.0.0.1:0", serves
	// this machine only, on a free port; ":4222" would serve every network.
	Addr string
	// StoreDir keeps JetStream's files, so that a master restarted on it
	// finds its run. Empty means a temporary directory, removed by Close.
	StoreDir string
	// Key is the shared key master and workers prove (as an NKey, see
	// [UserPublicKey]). Required.
	Key []byte
	// Logf, if not nil, gets the server's notices, warnings and errors, one
	// line each. Without it the server is silent.
	Logf func(format string, args ...any)
}

// Server is a running embedded NATS server with JetStream.
type Server struct {
	ns       *server.Server
	storeDir string
	tempDir  bool
	addr     net.Addr
	once     sync.Once
	err      error
}

// startTimeout bounds the wait for a server that has started but is not
// ready yet; Start itself restores the streams and opens the listener.
const startTimeout = 10 * time.Second

// StartServer starts a NATS server with JetStream in this process and
// returns once it accepts connections, its streams restored from StoreDir.
// It installs no signal handler and writes nothing unless opts.Logf is set.
func StartServer(opts ServerOptions) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	host, portText, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", opts.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("address %q: bad port", opts.Addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT // nats-server reads 0 as its default, 4222
	}
	kp, err := userKey(opts.Key)
	if err != nil {
		return nil, err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	s := &Server{storeDir: opts.StoreDir}
	if s.storeDir == "" {
		if s.storeDir, err = os.MkdirTemp("", "jetstreamq-"); err != nil {
			return nil, err
		}
		s.tempDir = true
	}
	log := &serverLog{logf: opts.Logf, fatal: make(chan string, 1)}
	ns, err := server.NewServer(&server.Options{
		ServerName: "jetstreamq",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   s.storeDir,
		Nkeys:      []*server.NkeyUser{{Nkey: pub}},
		NoSigs:     true,
		NoLog:      opts.Logf == nil,
		// A monitoring port, routes and leaf nodes stay off: this server only
		// carries one program's queues.
		HTTPPort: 0,
	})
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("nats server: %w", err)
	}
	// Errors must reach StartServer's caller even when nothing is logged, so
	// the logger is always set; NoLog only stops the server setting its own.
	ns.SetLoggerV2(log, false, false, false)
	s.ns = ns
	ns.Start()
	if err := s.waitReady(log.fatal); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.addr = ns.Addr()
	return s, nil
}

// waitReady reports whether the server came up. Start returns once the
// server listens, or has failed to (a port in use): that failure is said
// only in a log line, which the logger hands over on fatal.
func (s *Server) waitReady(fatal <-chan string) error {
	select {
	case msg := <-fatal:
		return fmt.Errorf("nats server: %s", msg)
	default:
	}
	if !s.ns.ReadyForConnections(startTimeout) {
		return fmt.Errorf("nats server: not ready within %v", startTimeout)
	}
	if !s.ns.JetStreamEnabled() {
		return errors.New("nats server: JetStream did not start")
	}
	return nil
}

// URL is where clients connect: nats://host:port.
func (s *Server) URL() string { return s.ns.ClientURL() }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// StoreDir is where JetStream keeps its files.
func (s *Server) StoreDir() string { return s.storeDir }

// Close shuts the server down, waits until it has, and removes the store if
// it was a temporary one. It first gives the clients still connected up to
// [ShutdownGrace] to leave by themselves: workers that a master's Close has
// just told the work is over hear it and go, instead of seeing their
// connection cut and taking that for a crash. Closing twice is harmless.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.waitForClientsToLeave(ShutdownGrace)
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		s.err = s.removeTemp()
	})
	return s.err
}

// ShutdownGrace bounds how long [Server.Close] waits for clients to leave.
const ShutdownGrace = 2 * time.Second

// waitForClientsToLeave returns once no client is connected, or after d. The
// server has no event for a client leaving, so it looks every few
// milliseconds.
func (s *Server) waitForClientsToLeave(d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.ns.NumClients() > 0 {
		select {
		case <-tick.C:
		case <-deadline.C:
			return
		}
	}
}

func (s *Server) removeTemp() error {
	if !s.tempDir {
		return nil
	}
	return os.RemoveAll(s.storeDir)
}

// serverLog is the embedded server's logger: notices, warnings and errors go
// to logf if set; a fatal error is also handed to StartServer.
type serverLog struct {
	logf  func(format string, args ...any)
	fatal chan string
}

func (l *serverLog) say(prefix, format string, v []any) {
	if l.logf != nil {
		l.logf("nats-server: "+prefix+format, v...)
	}
}

func (l *serverLog) Noticef(format string, v ...any) { l.say("", format, v) }
func (l *serverLog) Warnf(format string, v ...any)   { l.say("warning: ", format, v) }
func (l *serverLog) Errorf(format string, v ...any)  { l.say("error: ", format, v) }
func (l *serverLog) Debugf(string, ...any)           {}
func (l *serverLog) Tracef(string, ...any)           {}

// Fatalf does not exit, unlike the server's own logger: the caller decides.
func (l *serverLog) Fatalf(format string, v ...any) {
	l.say("fatal: ", format, v)
	select {
	case l.fatal <- fmt.Sprintf(format, v...):
	default:
	}
}
