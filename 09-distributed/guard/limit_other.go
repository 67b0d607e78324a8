//go:build !unix

package guard

// descriptorLimit knows no limit outside Unix: the waiting room is bounded
// by MaxPending alone.
func descriptorLimit() int { return -1 }
