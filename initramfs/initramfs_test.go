package initramfs

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func FuzzRoundTrip(f *testing.F) {
	f.Add("a", uint32(TypeReg|0o644), []byte("hello"), "a/b", uint32(TypeDir|0o755))
	f.Add("x y", uint32(TypeSymlink|0o777), []byte("../t"), "z", uint32(TypeFifo|0o600))
	f.Add("é", uint32(TypeReg|0o4755), []byte{0, 1, 2}, "", uint32(0))
	f.Fuzz(func(t *testing.T, n1 string, m1 uint32, d1 []byte, n2 string, m2 uint32) {
		var in []Entry
		for _, e := range []Entry{{n1, m1, d1}, {n2, m2, nil}} {
			if e.Name == "" || e.Name == trailer || strings.IndexByte(e.Name, 0) >= 0 || e.Mode&TypeMask == TypeDir && len(e.Data) > 0 {
				continue
			}
			if len(in) == 1 && in[0].Name == e.Name {
				continue
			}
			in = append(in, e)
		}
		var buf bytes.Buffer
		if err := WriteArchive(&buf, in); err != nil {
			t.Fatal(err)
		}
		if buf.Len()%4 != 0 {
			t.Fatalf("archive length %d not 4-aligned", buf.Len())
		}
		out, err := ReadArchive(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("got %d entries, want %d", len(out), len(in))
		}
		for _, o := range out {
			var want *Entry
			for i := range in {
				if in[i].Name == o.Name {
					want = &in[i]
				}
			}
			if want == nil || want.Mode != o.Mode || !bytes.Equal(want.Data, o.Data) {
				t.Fatalf("entry %q does not round-trip: %+v vs %+v", o.Name, o, want)
			}
		}
		// Any garbage must be rejected with an error, never a panic.
		ReadArchive(d1)
	})
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	WriteArchive(&buf, []Entry{{Name: "a", Mode: TypeReg | 0o644, Data: []byte("x")}})
	f.Add(buf.Bytes())
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadArchive(data)
		if err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("error not wrapping ErrFormat: %v", err)
		}
		_ = entries
	})
}

// The real cpio tool must read our archives: an independent check of the
// format (skipped only when cpio is not installed).
func TestCpioToolReadsArchive(t *testing.T) {
	cpio := harness.NeedProgram(t, "cpio", "cpio")
	var buf bytes.Buffer
	err := WriteArchive(&buf, []Entry{
		{Name: "d", Mode: TypeDir | 0o750},
		{Name: "d/f", Mode: TypeReg | 0o640, Data: []byte("content\n")},
		{Name: "d/l", Mode: TypeSymlink | 0o777, Data: []byte("f")},
		{Name: "d/p", Mode: TypeFifo | 0o600},
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(cpio, "-idm", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "d/f")); err != nil || string(b) != "content\n" {
		t.Fatalf("d/f: %q %v", b, err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "d/l")); err != nil || l != "f" {
		t.Fatalf("d/l: %q %v", l, err)
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(filepath.Join(dir, "d/p"), &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		t.Fatalf("d/p is not a fifo: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "d")); fi.Mode().Perm() != 0o750 {
		t.Fatalf("d mode %v", fi.Mode())
	}
}

func tree(t *testing.T) (string, string, string) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "s6box")
	os.WriteFile(bin, []byte("\x7fELF fake"), 0o755)
	itree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(itree, "bin"), 0o755)
	os.WriteFile(filepath.Join(itree, "bin/init"), []byte("#!/bin/s6box runscript\ninit\n"), 0o755)
	os.MkdirAll(filepath.Join(itree, "run-image/uncaught-logs"), 0o755)
	os.Chmod(filepath.Join(itree, "run-image/uncaught-logs"), 0o750|os.ModeSetgid)
	syscall.Mkfifo(filepath.Join(itree, "run-image/fifo"), 0o600)
	ov := filepath.Join(dir, "overlay")
	os.MkdirAll(filepath.Join(ov, "etc"), 0o755)
	os.WriteFile(filepath.Join(ov, "etc/passwd"), []byte("root::0:0:root:/:/bin/sh\n"), 0o644)
	os.Symlink("s6box", filepath.Join(ov, "bin-sh"))
	return bin, itree, ov
}

func TestBuildContentsAndDeterminism(t *testing.T) {
	bin, itree, ov := tree(t)
	spec := Spec{Binary: bin, Links: []Link{{"svc", "bin"}, {"init", "sbin"}}, InitTree: itree, Overlays: []string{ov}}
	out1 := filepath.Join(t.TempDir(), "a.cpio.gz")
	out2 := filepath.Join(t.TempDir(), "b.cpio.gz")
	if err := WriteFile(out1, spec); err != nil {
		t.Fatal(err)
	}
	// Touch the sources: mtimes must not matter.
	os.Chtimes(filepath.Join(ov, "etc/passwd"), time0(), time0())
	if err := WriteFile(out2, spec); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out1)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Fatal("same input gave different images")
	}
	entries, err := ReadImage(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	var names []string
	for _, e := range entries {
		got[e.Name] = e
		names = append(names, e.Name)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("entries not sorted: %q before %q", names[i-1], names[i])
		}
	}
	check := func(name string, mode uint32, data string) {
		t.Helper()
		e, ok := got[name]
		if !ok {
			t.Fatalf("%s missing from image; have %v", name, names)
		}
		if e.Mode != mode || string(e.Data) != data {
			t.Fatalf("%s: mode %o data %q, want %o %q", name, e.Mode, e.Data, mode, data)
		}
	}
	check("bin/s6box", TypeReg|0o755, "\x7fELF fake")
	check("bin/svc", TypeSymlink|0o777, "s6box")
	check("sbin/init", TypeSymlink|0o777, "../bin/s6box")
	check("init", TypeSymlink|0o777, "etc/s6-linux-init/current/bin/init")
	check("etc/s6-linux-init/current/run-image/uncaught-logs", TypeDir|0o2750, "")
	check("etc/s6-linux-init/current/run-image/fifo", TypeFifo|0o600, "")
	check("etc/passwd", TypeReg|0o644, "root::0:0:root:/:/bin/sh\n")
	check("bin-sh", TypeSymlink|0o777, "s6box")
	check("dev", TypeDir|0o755, "")
	check("tmp", TypeDir|0o1777, "")
	check("etc/s6-linux-init", TypeDir|0o755, "")
}

func TestBuildErrors(t *testing.T) {
	bin, _, _ := tree(t)
	if _, err := Build(Spec{Binary: bin + ".missing"}); err == nil {
		t.Fatal("missing binary accepted")
	}
	if _, err := Build(Spec{Binary: bin, Overlays: []string{"/nonexistent-dir"}}); err == nil || !strings.Contains(err.Error(), "/nonexistent-dir") {
		t.Fatalf("missing overlay: %v", err)
	}
	if _, err := Build(Spec{Binary: bin, Links: []Link{{"a/b", "bin"}}}); err == nil {
		t.Fatal("bad link name accepted")
	}
	var buf bytes.Buffer
	if err := WriteArchive(&buf, []Entry{{Name: "a", Mode: TypeReg}, {Name: "a", Mode: TypeReg}}); err == nil {
		t.Fatal("duplicate accepted")
	}
}

func time0() time.Time { return time.Now().Add(-time.Hour) }
