//go:build !unix

package bench

import (
	"errors"
	"os"
)

// The ping-pong benchmarks over raw pipes use Unix read(2) and write(2); they
// skip themselves elsewhere.

type rawPipe struct{ r, w int }

var errNoRawPipe = errors.New("raw pipes need Unix")

func newRawPipe() (rawPipe, error)        { return rawPipe{-1, -1}, errNoRawPipe }
func (p *rawPipe) closeRead()             {}
func (p *rawPipe) closeWrite()            {}
func fdFile(fd int, name string) *os.File { return nil }
func serveBall(in, out int) error         { return errNoRawPipe }
func hitBall(out, in int) error           { return errNoRawPipe }

func socketPair() (a, b *os.File, err error) { return nil, nil, errNoRawPipe }
