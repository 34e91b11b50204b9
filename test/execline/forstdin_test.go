package execline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestForstdinStreams feeds forstdin one line at a time and writes the
// next only after the loop body has run for the previous one: a forstdin
// that waited for end of file before running anything never gets there.
func TestForstdinStreams(t *testing.T) {
	farm := harness.BinDir(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script := filepath.Join(dir, "script")
	harness.WriteFile(t, script, "forstdin -E L redirfd -a 1 "+out+" echo got $L\n", 0o644)
	cmd := exec.Command(filepath.Join(farm, "execlineb"), "-P", script)
	cmd.Env = []string{"PATH=" + farm + ":/usr/bin:/bin"}
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := harness.Start(t, cmd)
	var want strings.Builder
	for _, line := range []string{"one", "two", "three"} {
		if _, err := w.Write([]byte(line + "\n")); err != nil {
			t.Fatalf("writing %s: %v", line, err)
		}
		want.WriteString("got " + line + "\n")
		harness.Eventually(t, 10*time.Second, "the loop body to run for "+line, func() bool {
			b, _ := os.ReadFile(out)
			return string(b) == want.String()
		})
		if p.Exited() {
			t.Fatalf("forstdin exited before end of input: %s", p.Stderr.String())
		}
	}
	w.Close()
	code, ok := p.Wait(10 * time.Second)
	if !ok || code != 0 {
		t.Fatalf("forstdin after end of input: exited %v, code %d, stderr %q", ok, code, p.Stderr.String())
	}
}
