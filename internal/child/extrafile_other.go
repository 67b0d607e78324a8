//go:build unix && !linux

package child

import "syscall"

// checkInherited reports whether fd is open. Outside Linux the runtime opens
// no files of its own at low descriptors, so an open one was inherited.
func checkInherited(fd uintptr) error {
	var st syscall.Stat_t
	return syscall.Fstat(int(fd), &st)
}
