package execline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestServiceRunScript supervises a service whose run script is an execline
// script interpreted by our execlineb, under our svscan, with PATH holding
// only the symlink farm: no shell and no execline are involved until the
// final daemon. The script also proves the chain ran in one process: a
// child of the chain reads its parent's command line, which is still the
// interpreter's (execlineb … run), not fdmove's or s6-envdir's.
func TestServiceRunScript(t *testing.T) {
	farm := harness.BinDir(t)
	work := t.TempDir()
	sc := filepath.Join(work, "sc")
	svc := filepath.Join(sc, "web")
	for _, d := range []string{filepath.Join(svc, "env")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	harness.WriteFile(t, filepath.Join(svc, "env", "PORT"), "8080\n", 0o644)
	run := "#!" + filepath.Join(farm, "execlineb") + " -P\n" +
		"fdmove -c 2 1\n" +
		"s6-envdir ./env\n" +
		"importas -i PORT PORT\n" +
		"foreground { /bin/sh -c \"echo chain: $(/usr/bin/tr '\\\\000' ' ' < /proc/$PPID/cmdline)\" }\n" +
		"define -s ARGS \"a b\"\n" +
		"exec /bin/sh -c \"echo daemon port=${PORT} args=$* >&2; exec /bin/sleep 1000\" sh $ARGS\n"
	harness.WriteFile(t, filepath.Join(svc, "run"), run, 0o755)

	cmd := harness.Command(t, "s6-svscan", sc)
	cmd.Env = []string{"PATH=" + farm}
	p := harness.Start(t, cmd)
	deadline := time.Now().Add(15 * time.Second)
	want := []string{
		"chain: " + filepath.Join(farm, "execlineb") + " -P ./run",
		"daemon port=8080 args=a b",
	}
	for {
		out := p.Stdout.String() + p.Stderr.String()
		ok := true
		for _, w := range want {
			if !strings.Contains(out, w) {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service output does not have %q; got:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := harness.Run(t, "s6-svstat", svc)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "up ") {
		t.Fatalf("s6-svstat: code %d, %q %q", r.Code, r.Stdout, r.Stderr)
	}
	harness.Run(t, "s6-svscanctl", "-t", sc)
	if _, ok := p.Wait(10 * time.Second); !ok {
		t.Fatal("svscan did not exit after svscanctl -t")
	}
}
