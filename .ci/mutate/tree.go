package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// copyTree makes n copies of the files git knows here (tracked, and new
// ones it does not ignore), so that mutants never touch the working tree
// and several can be tested at once.
func copyTree(n int) (roots []string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup = func() { _ = os.RemoveAll(tmp) }

	out, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return nil, cleanup, fmt.Errorf("git ls-files: %w (run mutate from the top of the repository)", err)
	}
	files := bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0})
	for i := range n {
		root := filepath.Join(tmp, fmt.Sprintf("tree%d", i))
		for _, f := range files {
			name := string(f)
			if err := copyFile(name, filepath.Join(root, name)); err != nil {
				return nil, cleanup, err
			}
		}
		roots = append(roots, root)
	}
	return roots, cleanup, nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if os.IsNotExist(err) {
		return nil // deleted in the working tree but not yet in git
	}
	if err != nil {
		return err
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
