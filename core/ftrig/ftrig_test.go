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
