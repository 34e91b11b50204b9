package linuxinit

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is one line of /proc/mounts.
type Mount struct {
	Source, Dir, Type string
}

// ParseMounts reads /proc/mounts format, undoing the octal escapes.
func ParseMounts(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		out = append(out, Mount{Source: unescape(f[0]), Dir: unescape(f[1]), Type: f[2]})
	}
	return out, sc.Err()
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// UnmountPlan returns the mount points to unmount, in order: the reverse of
// the mount table, skipping rundir, the root, and the first mount of each of
// proc, sysfs and devtmpfs (the kernel still needs them to the end).
func UnmountPlan(ms []Mount, rundir string) []string {
	seen := map[string]bool{}
	var keep []string
	for _, m := range ms {
		switch m.Type {
		case "proc", "sysfs", "devtmpfs":
			if !seen[m.Type] {
				seen[m.Type] = true
				continue
			}
		case "rootfs":
			continue
		}
		if m.Dir == "/" || filepath.Clean(m.Dir) == filepath.Clean(rundir) {
			continue
		}
		keep = append(keep, m.Dir)
	}
	for i, j := 0, len(keep)-1; i < j; i, j = i+1, j-1 {
		keep[i], keep[j] = keep[j], keep[i]
	}
	return keep
}

// UmountAll unmounts everything UnmountPlan lists, remounting busy ones
// read-only (which is how / ends read-only), then remounts / read-only.
// Problems are reported through warn; the count of failures is returned.
func UmountAll(mountsFile, rundir string, warn func(string, ...any)) (int, error) {
	f, err := os.Open(mountsFile)
	if err != nil {
		return 0, fmt.Errorf("unable to open %s: %w", mountsFile, err)
	}
	ms, err := ParseMounts(f)
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("unable to read %s: %w", mountsFile, err)
	}
	fails := 0
	for _, dir := range UnmountPlan(ms, rundir) {
		err := unix.Unmount(dir, 0)
		if err == unix.EBUSY {
			if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				warn("unable to read-only remount %s: %v", dir, err)
				fails++
			}
			continue
		}
		if err != nil {
			warn("unable to umount %s: %v", dir, err)
			fails++
		}
	}
	for _, m := range ms {
		if m.Dir == "/" && m.Type != "rootfs" && m.Type != "tmpfs" && m.Type != "ramfs" {
			if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				warn("unable to read-only remount /: %v", err)
				fails++
			}
			break
		}
	}
	return fails, nil
}

// earlyMount mounts fstype on dir unless something is mounted there already.
func earlyMount(source, dir, fstype string, flags uintptr, data string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	err := unix.Mount(source, dir, fstype, flags, data)
	if err == unix.EBUSY {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unable to mount %s on %s: %w", fstype, dir, err)
	}
	return nil
}
