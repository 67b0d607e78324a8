//go:build unix

package guard

import "syscall"

// descriptorLimit is the soft limit on open descriptors, or -1 if there is
// none worth counting.
func descriptorLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return -1
	}
	return int(lim.Cur)
}
