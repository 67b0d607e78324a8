//go:build !unix

package main

import "os/exec"

// ownProcessGroup does nothing outside Unix, where a console's Ctrl-C is
// another matter (see the README's platform notes).
func ownProcessGroup(*exec.Cmd) {}
