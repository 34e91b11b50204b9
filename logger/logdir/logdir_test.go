package logdir

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"s6box/logger/script"
)

func testEnv(t *testing.T) *Env {
	return &Env{Perm: 0o644, Warn: func(f string, a ...any) { t.Logf("warn: "+f, a...) }, Wake: func() {}, Shell: "/bin/sh", Now: time.Now}
}

func cfg(dir string) script.Logdir {
	return script.Logdir{Dir: dir, Archives: 3, MaxSize: 4096, Tolerance: 0, Cooldown: time.Second}
}

func archives(t *testing.T, dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if IsArchiveName(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func TestRotationAtLineBoundaryAndPrune(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ld")
	d, err := Open(cfg(dir), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("a", 99) + "\n")
	for i := 0; i < 500; i++ { // 50000 bytes: 12 rotations of 4100 bytes
		d.Append(line)
		if i%37 == 0 {
			d.Flush(time.Now())
		}
	}
	d.Flush(time.Now())
	if d.Busy() {
		t.Fatal("still busy after flush")
	}
	as := archives(t, dir)
	if len(as) != 3 {
		t.Fatalf("pruned to %d archives, want 3: %v", len(as), as)
	}
	for _, a := range as {
		st, _ := os.Stat(filepath.Join(dir, a))
		if st.Size() != 4100 || st.Mode().Perm() != 0o744 || !strings.HasSuffix(a, ".s") {
			t.Errorf("%s: size %d mode %v", a, st.Size(), st.Mode())
		}
	}
	if err := d.Finalize(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(dir, Current))
	if st.Mode().Perm() != 0o744 || st.Size() != 50000%4100 {
		t.Fatalf("current: %v %d", st.Mode(), st.Size())
	}
}

func TestLockedLogdirRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ld")
	d, err := Open(cfg(dir), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := Open(cfg(dir), testEnv(t)); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("second open: %v", err)
	}
}

func TestRequestRotation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ld")
	c := cfg(dir)
	c.MaxSize = 1 << 20
	d, err := Open(c, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	d.RequestRotation() // empty: nothing to do
	d.Flush(time.Now())
	if len(archives(t, dir)) != 0 {
		t.Fatal("empty current rotated")
	}
	d.Append([]byte("x\n"))
	d.RequestRotation()
	d.Flush(time.Now())
	if as := archives(t, dir); len(as) != 1 {
		t.Fatalf("archives %v", as)
	}
	d.Close()
}

func TestIsArchiveName(t *testing.T) {
	for n, want := range map[string]bool{
		"@400000006b03fdb6036d6b5b.s": true, "@400000006b03fdb6036d6b5b.u": true,
		"@400000006b03fdb6036d6b5b.x": false, "@400000006b03fdb6036d6b5B.s": false,
		"current": false, "@400000006b03fdb6036d6b5.s": false,
	} {
		if IsArchiveName(n) != want {
			t.Errorf("%s", n)
		}
	}
}

// TestPlantedSymlinksNotFollowed: whoever may write the logdir puts
// symlinks to a victim in place of current (with the victim's "cleanly
// closed" bit set, so it looks finished), of previous before it is marked
// done, and of lock. The logger must not append to, chmod or create
// anything through them.
func TestPlantedSymlinksNotFollowed(t *testing.T) {
	base := t.TempDir()
	victim := filepath.Join(base, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o744); err != nil {
		t.Fatal(err)
	}
	os.Chmod(victim, 0o744)
	dir := filepath.Join(base, "ld")
	os.Mkdir(dir, 0o755)
	if err := os.Symlink(victim, filepath.Join(dir, Current)); err != nil {
		t.Fatal(err)
	}
	d, err := Open(cfg(dir), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	d.Append([]byte("log line\n"))
	d.Flush(time.Now())
	if err := os.Symlink(victim, filepath.Join(dir, Previous)); err != nil {
		t.Fatal(err)
	}
	os.Chmod(victim, 0o644)
	if err := d.markDone(Previous); err == nil {
		t.Error("markDone went through a symlink without an error")
	}
	if err := d.Finalize(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("victim written: %q", b)
	}
	if st, _ := os.Stat(victim); st.Mode().Perm() != 0o644 {
		t.Errorf("victim chmodded: %v", st.Mode())
	}
	if b, err := os.ReadFile(filepath.Join(dir, Current)); err != nil || string(b) != "log line\n" {
		t.Errorf("current: %q, %v", b, err)
	}

	dir2 := filepath.Join(base, "ld2")
	os.Mkdir(dir2, 0o755)
	target := filepath.Join(base, "created-by-root")
	if err := os.Symlink(target, filepath.Join(dir2, LockName)); err != nil {
		t.Fatal(err)
	}
	if d2, err := Open(cfg(dir2), testEnv(t)); err == nil {
		d2.Close()
		t.Error("a symlinked lock was accepted")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("lock symlink followed: %v", err)
	}
}

// TestIdleKeepsWhatIsQueued: Idle drops the queue's memory only once it is
// written, and a rotation due at the end of the queue still happens.
func TestIdleKeepsWhatIsQueued(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ld")
	d, err := Open(cfg(dir), testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Append([]byte("one\n"))
	d.Idle() // not written yet: kept
	if d.Pending() != 4 {
		t.Fatalf("pending %d after Idle, want 4", d.Pending())
	}
	d.RequestRotation()
	d.Flush(time.Now())
	d.Idle()
	if d.buf != nil || d.Busy() {
		t.Fatalf("after writing: buffer %d bytes, busy %v", cap(d.buf), d.Busy())
	}
	if a := archives(t, dir); len(a) != 1 {
		t.Fatalf("archives %v, want the rotated one", a)
	}
	d.Append([]byte("two\n"))
	d.Flush(time.Now())
	if b, _ := os.ReadFile(filepath.Join(dir, Current)); string(b) != "two\n" {
		t.Fatalf("current %q", b)
	}
	// A rotation asked for once everything is written, then Idle.
	d.RequestRotation()
	d.Idle()
	d.Flush(time.Now())
	if a := archives(t, dir); len(a) != 2 {
		t.Fatalf("archives %v, want a second one", a)
	}
}
