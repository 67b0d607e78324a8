package main

import (
	"fmt"
	"io"
	"os"
)

// Holding a child is for tests only (config.hold; no flag asks for it): it
// stops one child of process mode at a known point, so that a test can see
// what timing otherwise decides.
//
//   - A held writer waits after its first value until the parent has waited
//     for the reader: use it with -crash reader, and the writer's next put
//     surely goes to a pipe nobody reads (EPIPE).
//   - A held reader waits before its first value until it is terminated:
//     use it with -terminate, and every value is surely lost.
//
// A held child waits until its stdin ends, that is until the parent closes
// the other end: for the writer once the reader has been waited for
// (releaseWriter), for the reader only when the run is over (close).

// makeHold makes the stdin pipe of the held role, if any.
func (p *pipes) makeHold(role string) error {
	if role == "" {
		return nil
	}
	var err error
	if p.holdR, p.holdW, err = p.pipe(); err != nil {
		return fmt.Errorf("make the hold pipe: %w", err)
	}
	return nil
}

// stdin is the stdin of role's child: the hold pipe if it is held, else
// nil, which exec.Cmd makes /dev/null.
func (p *pipes) stdin(role string) *os.File {
	if role != p.cfg.hold {
		return nil
	}
	return p.holdR
}

// releaseWriter lets a held writer go on.
func (p *pipes) releaseWriter() {
	if p.cfg.hold == roleWriter {
		p.holdW.Close()
	}
}

// waitForStdinEnd is where a held child waits: until the parent closes the
// other end of its stdin. After that it returns at once.
func waitForStdinEnd() {
	_, _ = io.Copy(io.Discard, os.Stdin)
}
