package ftrig

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNotifySubscribe(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "event")
	if err := MakeFifodir(dir, false, false); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(dir)
	if st.Mode()&os.ModeSetgid == 0 || st.Mode()&os.ModeSticky == 0 || st.Mode().Perm() != 0o730 {
		t.Fatalf("mode %v", st.Mode())
	}
	l, err := Subscribe(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := filepath.Base(l.Path()); len(n) != 39 {
		t.Fatalf("name %q has length %d", n, len(n))
	}
	// A stale fifo with no reader is removed by Notify.
	stale := filepath.Join(dir, "ftrig1:@400000000000000000000000:abcdef")
	if err := mkfifo(stale); err != nil {
		t.Fatal(err)
	}
	if err := Notify(dir, []byte("ud")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("stale fifo not removed")
	}
	l.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 16)
	n, err := l.Read(buf)
	if err != nil || string(buf[:n]) != "ud" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	l.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := l.Read(buf); !os.IsTimeout(err) {
		t.Fatalf("expected timeout, got %v", err)
	}
	l.Close()
	if _, err := os.Stat(l.Path()); !os.IsNotExist(err) {
		t.Fatal("fifo left after Close")
	}
}

// TestNotifyDoesNotFollowPlantedEntries: a member of the fifodir's group
// can put anything named like a listener there. Notify (often root) must
// not write through a symlink nor into a regular file, must leave both in
// place, and must still reach the real listener.
func TestNotifyDoesNotFollowPlantedEntries(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "event")
	if err := MakeFifodir(dir, true, false); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(base, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "ftrig1:@400000000000000000000000:linkAA")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "ftrig1:@400000000000000000000000:fileAA")
	if err := os.WriteFile(plain, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Subscribe(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := Notify(dir, []byte("d")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{victim: "precious", plain: "mine", link: "precious"} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q untouched", p, b, err, want)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("planted symlink removed or replaced: %v", err)
	}
	l.SetDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4)
	if n, err := l.Read(buf); err != nil || string(buf[:n]) != "d" {
		t.Fatalf("listener got %q, %v", buf[:n], err)
	}
}
