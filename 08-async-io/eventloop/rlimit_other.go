//go:build !unix

package eventloop

// raiseFileLimit has nothing to raise here: Windows has no per-process
// limit on open sockets as low as the Unix default.
func raiseFileLimit(flag string, value, need int) error { return nil }
