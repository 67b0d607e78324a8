package pythonq

import (
	"errors"
	"syscall"
)

// isReset says whether err is the peer resetting the connection, as a
// Python master's process does when it exits with connections open.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
