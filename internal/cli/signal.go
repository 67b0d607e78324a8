package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// NotifyContext returns a context that the first Ctrl-C (SIGINT) or SIGTERM
// cancels, so that the program can stop cleanly: wait for its children,
// close its connections, report what was lost. A second signal ends the
// program at once, with one line on stderr and status 128+signal (130 for
// Ctrl-C), as a shell user expects when the clean stop takes too long.
//
// signal.NotifyContext alone would swallow every signal after the first
// until stop is called, leaving the user no way out of a slow cleanup.
// Call stop when the program is done.
func NotifyContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-signals:
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-signals:
			fmt.Fprintf(os.Stderr, "second %v while stopping: exiting now\n", sig)
			os.Exit(exitStatusFor(sig))
		case <-done:
		}
	})
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(signals)
			close(done)
			wg.Wait()
			cancel()
		})
	}
}

// exitStatusFor is the shell's status for a process a signal ended.
func exitStatusFor(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}
