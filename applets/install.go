package applets

import (
	"fmt"
	"os"
	"path/filepath"
)

// InstallFlat creates, in dir, a symlink to target for every name of every
// applet. An existing symlink is replaced; any other existing file is left
// alone and reported, so an install never destroys data.
func InstallFlat(table []Applet, dir, target string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	for _, name := range Names(table) {
		if err := link(target, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// InstallPrefix lays out prefix/bin/s6box links as `make install` wants them:
// each applet's names go into prefix/bin or prefix/sbin (its Dir), as
// relative links to the binary in prefix/bin, so the tree can be moved (and
// staged under DESTDIR).
func InstallPrefix(table []Applet, prefix, binName string) error {
	for _, sub := range []string{"bin", "sbin"} {
		if err := os.MkdirAll(filepath.Join(prefix, sub), 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Join(prefix, sub), err)
		}
	}
	for _, a := range table {
		sub, target := "bin", binName
		if a.Dir == "sbin" {
			sub, target = "sbin", "../bin/"+binName
		}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if err := link(target, filepath.Join(prefix, sub, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func link(target, path string) error {
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSymlink == 0 {
			return fmt.Errorf("refusing to replace %s: it exists and is not a symlink", path)
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("unable to replace %s: %w", path, err)
		}
	}
	if err := os.Symlink(target, path); err != nil {
		return fmt.Errorf("unable to create symlink %s: %w", path, err)
	}
	return nil
}
