package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

// TestCompileForAnotherSystem: -B names the s6box the target system runs, so
// a database compiled on a build host works in an image where s6box lives
// elsewhere (by default the compiling binary's own path is written).
func TestCompileForAnotherSystem(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeTree(t, src, map[string]string{
		"o/type": "oneshot\n", "o/up": "echo up\n",
		"all/type": "bundle\n", "all/contents": "o\n",
	})
	db := filepath.Join(dir, "db")
	if r := harness.Run(t, "s6-rc-compile", "-B", "/bin/s6box", db, src); r.Code != 0 {
		t.Fatalf("compile -B: %d %s", r.Code, r.Stderr)
	}
	runner, err := os.ReadFile(filepath.Join(db, "servicedirs", "s6rc-oneshot-runner", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(runner), "#!/bin/s6box ") {
		t.Fatalf("oneshot runner run file starts %q", strings.SplitN(string(runner), "\n", 2)[0])
	}
	if r := harness.Run(t, "s6-rc-compile", "-B", "bin/s6box", filepath.Join(dir, "db2"), src); r.Code != 100 {
		t.Fatalf("relative -B: exit %d, want 100", r.Code)
	}
}
