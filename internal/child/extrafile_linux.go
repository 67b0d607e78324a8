package child

import (
	"errors"
	"syscall"
)

// checkInherited reports whether fd is open and was inherited from the
// parent. Being open is not enough: the Go runtime itself may hold low
// descriptors (since Go 1.25 it keeps the cgroup CPU-limit files open), and
// in a child that was passed nothing those sit at 3 and 4. The runtime opens
// its files close-on-exec, while a descriptor passed through ExtraFiles
// never has that flag, so the flag tells the two apart.
func checkInherited(fd uintptr) error {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0)
	if errno != 0 {
		return errno
	}
	if flags&syscall.FD_CLOEXEC != 0 {
		return errors.New("the descriptor is this process's own, not inherited")
	}
	return nil
}
