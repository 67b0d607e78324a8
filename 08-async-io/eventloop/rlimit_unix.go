//go:build unix

package eventloop

import (
	"syscall"

	"multitask/internal/cli"
)

// raiseFileLimit makes room for need open descriptors: it raises the soft
// limit (RLIMIT_NOFILE) to the hard one, which any process may do, and when
// even that is too low it returns a usage error naming flag and value.
//
// Go has raised the soft limit at start-up by itself since Go 1.19, and
// lowered it again for child processes; calling Setrlimit here also makes
// the raised limit what the client process inherits.
func raiseFileLimit(flag string, value, need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // nothing known to check against; a shortfall will show as failed dials
	}
	if uint64(lim.Cur) < uint64(lim.Max) {
		raised := lim
		raised.Cur = raised.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			lim = raised
		}
	}
	if uint64(need) > uint64(lim.Cur) {
		return cli.Usagef("%s %d needs about %d open descriptors per process, but the limit is %d (hard limit %d, which only root can raise: ulimit -Hn); ask for fewer",
			flag, value, need, uint64(lim.Cur), uint64(lim.Max))
	}
	return nil
}
