// Package fsutil holds the file-system helpers several packages share:
// stripping the path from an error so a message names the path once, and
// copying a directory tree.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Bare returns the errno inside an *fs.PathError or *os.LinkError (or err
// itself), for messages that already name the path: "unable to open X:
// no such file or directory", not "…: open X: no such file or directory".
func Bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// CopyOptions says what CopyTree keeps besides types and permission bits.
type CopyOptions struct {
	// KeepOwner gives every copy the owner and group of its source (errors
	// only matter as root). Otherwise copies belong to the caller.
	KeepOwner bool
}

// CopyTree copies src into dst (which may exist): directories, regular
// files, symlinks and fifos, with their permission bits including setgid
// and sticky. An existing file in dst is replaced; anything else (devices,
// sockets) is an error naming it. Errors name the path once.
func CopyTree(src, dst string, o CopyOptions) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, Bare(err))
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return copyEntry(p, filepath.Join(dst, rel), o)
	})
}

func copyEntry(p, target string, o CopyOptions) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		return fmt.Errorf("unable to stat %s: %w", p, err)
	}
	perm := st.Mode & 0o7777
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("unable to create %s: %w", target, Bare(err))
		}
	case syscall.S_IFREG:
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, Bare(err))
		}
		os.Remove(target)
		if err := os.WriteFile(target, data, 0o600); err != nil {
			return fmt.Errorf("unable to write %s: %w", target, Bare(err))
		}
	case syscall.S_IFLNK:
		l, err := os.Readlink(p)
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, Bare(err))
		}
		os.Remove(target)
		if err := os.Symlink(l, target); err != nil {
			return fmt.Errorf("unable to create %s: %w", target, Bare(err))
		}
		if o.KeepOwner {
			os.Lchown(target, int(st.Uid), int(st.Gid))
		}
		return nil
	case syscall.S_IFIFO:
		os.Remove(target)
		if err := syscall.Mkfifo(target, 0o600); err != nil {
			return fmt.Errorf("unable to create fifo %s: %w", target, err)
		}
	default:
		return fmt.Errorf("%s: unsupported file type", p)
	}
	if o.KeepOwner {
		if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil && os.Geteuid() == 0 {
			return fmt.Errorf("unable to chown %s: %w", target, Bare(err))
		}
	}
	if err := syscall.Chmod(target, perm); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", target, err)
	}
	return nil
}
