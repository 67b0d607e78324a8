//go:build !linux

package child

import "os/exec"

// setParentDeathSignal does nothing where the kernel has no parent-death
// signal; there a child is ended by the parent's context or by Wait.
func setParentDeathSignal(*exec.Cmd) {}
