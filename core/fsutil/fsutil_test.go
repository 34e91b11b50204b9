package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestBare(t *testing.T) {
	_, err := os.Open("/nonexistent/x")
	if !errors.Is(Bare(err), syscall.ENOENT) || Bare(err).Error() != "no such file or directory" {
		t.Fatalf("%v", Bare(err))
	}
	err = os.Rename("/nonexistent/a", "/nonexistent/b")
	if Bare(err) != syscall.ENOENT {
		t.Fatalf("link error: %v", Bare(err))
	}
	plain := errors.New("plain")
	if Bare(plain) != plain {
		t.Fatal("plain error changed")
	}
}

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	os.MkdirAll(filepath.Join(src, "d"), 0o755)
	syscall.Chmod(filepath.Join(src, "d"), 0o2750)
	os.WriteFile(filepath.Join(src, "d/f"), []byte("data"), 0o640)
	os.Symlink("d/f", filepath.Join(src, "l"))
	syscall.Mkfifo(filepath.Join(src, "fifo"), 0o600)
	syscall.Chmod(filepath.Join(src, "fifo"), 0o620)
	if os.Geteuid() == 0 {
		os.Chown(filepath.Join(src, "d/f"), 1234, 1235)
	}
	for _, keep := range []bool{false, true} {
		os.RemoveAll(dst)
		os.Mkdir(dst, 0o755)
		if err := CopyTree(src, dst, CopyOptions{KeepOwner: keep}); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "d/f")); err != nil || string(b) != "data" {
			t.Fatalf("file: %q %v", b, err)
		}
		if st, _ := os.Stat(filepath.Join(dst, "d")); st.Mode()&os.ModeSetgid == 0 || st.Mode().Perm() != 0o750 {
			t.Errorf("dir mode %v", st.Mode())
		}
		if st, _ := os.Lstat(filepath.Join(dst, "fifo")); st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm() != 0o620 {
			t.Errorf("fifo %v", st.Mode())
		}
		if l, _ := os.Readlink(filepath.Join(dst, "l")); l != "d/f" {
			t.Errorf("link %q", l)
		}
		if os.Geteuid() == 0 {
			st, _ := os.Stat(filepath.Join(dst, "d/f"))
			uid := st.Sys().(*syscall.Stat_t).Uid
			if keep && uid != 1234 || !keep && uid != 0 {
				t.Errorf("keep=%v: owner %d", keep, uid)
			}
		}
	}
	if err := CopyTree(filepath.Join(src, "missing"), dst, CopyOptions{}); err == nil {
		t.Fatal("missing source accepted")
	}
}
