package setlock

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The descriptor must survive exec (no FD_CLOEXEC), be non-blocking like
// s6's, and -r must create a missing file before opening it read-only.
func TestDescriptorForProg(t *testing.T) {
	dir := t.TempDir()
	for _, shared := range []bool{false, true} {
		p := filepath.Join(dir, "lock")
		os.Remove(p)
		fd, err := Lock(p, Options{Shared: shared, NoWait: true})
		if err != nil {
			t.Fatal(err)
		}
		fdflags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		flflags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if fdflags&unix.FD_CLOEXEC != 0 {
			t.Errorf("shared=%v: close-on-exec set", shared)
		}
		if flflags&unix.O_NONBLOCK == 0 {
			t.Errorf("shared=%v: not non-blocking", shared)
		}
		wantAcc := unix.O_WRONLY
		if shared {
			wantAcc = unix.O_RDONLY
		}
		if flflags&unix.O_ACCMODE != wantAcc {
			t.Errorf("shared=%v: access mode %o", shared, flflags&unix.O_ACCMODE)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("shared=%v: file not created: %v", shared, err)
		}
		unix.Close(fd)
	}
	if _, err := Lock(filepath.Join(dir, "no", "such"), Options{}); err == nil {
		t.Fatal("missing directory must fail")
	}
}
