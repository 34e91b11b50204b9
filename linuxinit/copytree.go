package linuxinit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CopyTree copies src into dst (which may exist), keeping file types
// (directories, regular files, symlinks, fifos), permission bits including
// setgid, and ownership.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, err)
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			return fmt.Errorf("unable to stat %s: %w", p, err)
		}
		perm := st.Mode & 0o7777
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFDIR:
			if err := os.Mkdir(target, 0o700); err != nil && !os.IsExist(err) {
				return fmt.Errorf("unable to create %s: %w", target, err)
			}
		case syscall.S_IFREG:
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("unable to read %s: %w", p, err)
			}
			os.Remove(target)
			if err := os.WriteFile(target, data, 0o600); err != nil {
				return fmt.Errorf("unable to write %s: %w", target, err)
			}
		case syscall.S_IFLNK:
			l, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("unable to read %s: %w", p, err)
			}
			os.Remove(target)
			if err := os.Symlink(l, target); err != nil {
				return fmt.Errorf("unable to create %s: %w", target, err)
			}
			os.Lchown(target, int(st.Uid), int(st.Gid))
			return nil
		case syscall.S_IFIFO:
			os.Remove(target)
			if err := syscall.Mkfifo(target, 0o600); err != nil {
				return fmt.Errorf("unable to create fifo %s: %w", target, err)
			}
		default:
			return fmt.Errorf("%s: unsupported file type", p)
		}
		if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil && os.Geteuid() == 0 {
			return fmt.Errorf("unable to chown %s: %w", target, err)
		}
		if err := syscall.Chmod(target, perm); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", target, err)
		}
		return nil
	})
}
