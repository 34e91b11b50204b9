package multicall

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

// makeInstall runs the README's `make install DESTDIR=…` on the binary
// under test (-o build: it is built already).
func makeInstall(t *testing.T, destdir string, extra ...string) (string, error) {
	t.Helper()
	harness.NeedProgram(t, "make", "make")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-s", "-C", root, "-o", "build", "install", "DESTDIR=" + destdir, "BIN=" + harness.Binary(t)}, extra...)
	out, err := exec.Command("make", args...).CombinedOutput()
	return string(out), err
}

// make install copies the binary and links every name but the init tree's
// bare names, and a second install over the first is fine.
func TestMakeInstallLayout(t *testing.T) {
	d := t.TempDir()
	for i := 0; i < 2; i++ {
		if out, err := makeInstall(t, d); err != nil {
			t.Fatalf("make install (run %d): %v\n%s", i+1, err, out)
		}
	}
	want, _ := os.ReadFile(harness.Binary(t))
	got, err := os.ReadFile(filepath.Join(d, "usr/bin/s6box"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("usr/bin/s6box is not the binary: %v", err)
	}
	for link, target := range map[string]string{"usr/bin/s6-svscan": "s6box", "usr/bin/svc": "s6box",
		"usr/sbin/s6-linux-init-maker": "../bin/s6box", "usr/sbin/s6-linux-init-poweroff": "../bin/s6box",
		"usr/bin/execlineb": "s6box", "usr/bin/foreground": "s6box", "usr/bin/execline-cd": "s6box"} {
		if l, err := os.Readlink(filepath.Join(d, link)); err != nil || l != target {
			t.Errorf("%s -> %q (%v), want %s", link, l, err, target)
		}
	}
	for _, n := range []string{"init", "halt", "poweroff", "reboot", "shutdown", "telinit", "cd", "exit", "if", "wait"} {
		for _, sub := range []string{"usr/bin", "usr/sbin"} {
			if _, err := os.Lstat(filepath.Join(d, sub, n)); err == nil {
				t.Errorf("%s/%s installed: it would take over the host's and be written through by cp bin/* /sbin/", sub, n)
			}
		}
	}
	// The guide's cp of the maker's bin/ over an installed tree leaves the
	// binary alone (merged /usr: /sbin is /usr/sbin).
	tree := filepath.Join(d, "tree")
	if r := harness.Run(t, filepath.Join(d, "usr/sbin/s6-linux-init-maker"), tree); r.Code != 0 {
		t.Fatalf("maker: %d %s", r.Code, r.Stderr)
	}
	bins, _ := filepath.Glob(filepath.Join(tree, "bin/*"))
	if out, err := exec.Command("cp", append(bins, filepath.Join(d, "usr/sbin/"))...).CombinedOutput(); err != nil {
		t.Fatalf("cp bin/* sbin/: %v %s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(d, "usr/bin/s6box")); !bytes.Equal(got, want) {
		t.Fatal("cp bin/* sbin/ wrote into the binary")
	}
}

// A name taken by something not ours: nothing at all is installed, the
// error names it; FORCE=1 replaces it.
func TestMakeInstallAllOrNothing(t *testing.T) {
	d := t.TempDir()
	foreign := filepath.Join(d, "usr/bin/svc")
	os.MkdirAll(filepath.Dir(foreign), 0o755)
	if err := os.Symlink("/usr/lib/other/svc", foreign); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(d, "usr/sbin/s6-linux-init-hpr")
	os.MkdirAll(filepath.Dir(plain), 0o755)
	os.WriteFile(plain, []byte("data"), 0o755)
	out, err := makeInstall(t, d)
	if err == nil || !strings.Contains(out, foreign) || !strings.Contains(out, plain) {
		t.Fatalf("install over foreign files: %v\n%s", err, out)
	}
	for _, dir := range []string{"usr/bin", "usr/sbin"} {
		ents, _ := os.ReadDir(filepath.Join(d, dir))
		if len(ents) != 1 {
			t.Errorf("%s has %d entries after a refused install, want only the foreign one", dir, len(ents))
		}
	}
	if l, _ := os.Readlink(foreign); l != "/usr/lib/other/svc" {
		t.Fatalf("foreign link changed to %q", l)
	}
	if out, err := makeInstall(t, d, "FORCE=1"); err != nil {
		t.Fatalf("FORCE=1: %v\n%s", err, out)
	}
	if l, _ := os.Readlink(foreign); l != "s6box" {
		t.Errorf("FORCE=1 left svc -> %q", l)
	}
	if l, _ := os.Readlink(plain); l != "../bin/s6box" {
		t.Errorf("FORCE=1 left %s as %q", plain, l)
	}
}
