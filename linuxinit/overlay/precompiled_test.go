package overlay

import (
	"os"
	"path/filepath"
	"testing"
)

// writeSources writes an s6-overlay source tree (one oneshot in the user
// bundle) under root/etc.
func writeSources(t *testing.T, root string) {
	t.Helper()
	files := map[string]string{
		"etc/s6-overlay/s6-rc.d/prep/type":                   "oneshot\n",
		"etc/s6-overlay/s6-rc.d/prep/up":                     "echo prep\n",
		"etc/s6-overlay/user-bundles.d/user/type":            "bundle\n",
		"etc/s6-overlay/user-bundles.d/user/contents.d/prep": "",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func stampOf(t *testing.T, root string) (string, bool) {
	t.Helper()
	dirs, err := NewLayout(filepath.Join(root, "etc"), Defaults()).SourceDirs(filepath.Join(t.TempDir(), "gen"))
	if err != nil {
		t.Fatal(err)
	}
	s, ok, err := SourceStamp("/bin/s6box", dirs)
	if err != nil {
		t.Fatal(err)
	}
	return s, ok
}

// The database compiled at image build time is found by the stamp of the
// same sources elsewhere, and not once they change.
func TestPrecompileAndStamp(t *testing.T) {
	build, tree := t.TempDir(), t.TempDir()
	writeSources(t, build)
	done, err := Precompile(build, Defaults(), "/bin/s6box", filepath.Join(tree, PrecompiledName), nil)
	if err != nil || !done {
		t.Fatalf("Precompile: %v %v", done, err)
	}
	run := t.TempDir()
	writeSources(t, run)
	stamp, ok := stampOf(t, run)
	if !ok {
		t.Fatal("sources without symlinks should be stamped")
	}
	if db := Precompiled(tree, stamp); db != filepath.Join(tree, PrecompiledName, "db") {
		t.Fatalf("the precompiled database was not found for the same sources: %q", db)
	}
	if s2, _, _ := SourceStamp("/usr/bin/s6box", nil); s2 == stamp {
		t.Error("the binary path should count")
	}
	os.WriteFile(filepath.Join(run, "etc/s6-overlay/s6-rc.d/prep/up"), []byte("echo changed\n"), 0o644)
	changed, _ := stampOf(t, run)
	if changed == stamp || Precompiled(tree, changed) != "" {
		t.Error("changed sources should not use the precompiled database")
	}
	os.Chmod(filepath.Join(run, "etc/s6-overlay/s6-rc.d/prep/up"), 0o755)
	if moded, _ := stampOf(t, run); moded == changed {
		t.Error("a mode change should change the stamp")
	}
	// A symlink may point anywhere: such sources are compiled at start.
	os.Symlink("/elsewhere", filepath.Join(run, "etc/s6-overlay/s6-rc.d/prep/data"))
	if _, ok := stampOf(t, run); ok {
		t.Error("sources with a symlink cannot be compiled ahead")
	}
}

func TestPrecompileNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), PrecompiledName)
	done, err := Precompile(t.TempDir(), Defaults(), "/bin/s6box", out, nil)
	if err != nil || done {
		t.Fatalf("no sources: %v %v", done, err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s written for no sources", out)
	}
}
