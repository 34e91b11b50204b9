package ftrig

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/rawio"
)

// MakeFifodirGroup is s6-mkfifodir's way of making a fifodir: listenable by
// the members of gid only (mode 03730, group gid), or by everyone when gid
// is negative (01733). An existing directory is left alone unless force.
func MakeFifodirGroup(dir string, gid int, force bool) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("unable to create fifodir %s: %w", dir, fsutil.Bare(err))
	}
	if err != nil && !force {
		return nil
	}
	mode := os.FileMode(0o733) | os.ModeSticky
	if gid >= 0 {
		if err := os.Lchown(dir, -1, gid); err != nil {
			return fmt.Errorf("unable to chown fifodir %s: %w", dir, err)
		}
		mode = os.FileMode(0o730) | os.ModeSetgid | os.ModeSticky
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("unable to chmod fifodir %s: %w", dir, err)
	}
	return nil
}

// Clean removes the stale listener fifos of dir: those nobody reads any
// more (a listener killed before it could unsubscribe). Entries that are
// not listener fifos are left alone.
func Clean(dir string) error {
	dfd, err := rawio.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("unable to open fifodir %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	names, err := rawio.ReadDirNamesFd(dfd, dir)
	if err != nil {
		return fmt.Errorf("unable to read fifodir %s: %w", dir, err)
	}
	for _, n := range names {
		if len(n) != nameLen || !strings.HasPrefix(n, prefix) {
			continue
		}
		fd, err := unix.Openat(dfd, n, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
			continue
		}
		if err == unix.ENXIO {
			if err := unix.Unlinkat(dfd, n, 0); err != nil && err != unix.ENOENT {
				return fmt.Errorf("unable to remove %s/%s: %w", dir, n, err)
			}
		}
	}
	return nil
}
