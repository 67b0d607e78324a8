//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own. A Ctrl-C in a
// terminal goes to every process of the foreground group; the demo's workers
// would get it from the terminal and then once more from the demo, which
// forwards it, and a second Ctrl-C makes a worker quit at once instead of
// stopping cleanly. In a group of their own they hear it once, from the demo.
func ownProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
}
