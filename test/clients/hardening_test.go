package clients

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/lock"
	"s6box/core/status"
	"s6box/core/tai64n"
	"s6box/test/harness"
)

// lockedService makes DIR/supervise with a held lock (as if a supervisor
// ran) and a sane status and death_tally.
func lockedService(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sv")
	sup := filepath.Join(dir, "supervise")
	if err := os.MkdirAll(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := lock.Acquire(filepath.Join(sup, "lock"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	now := tai64n.Now()
	if err := status.Write(sup, status.Status{Stamp: now, ReadyStamp: now, Ready: true}); err != nil {
		t.Fatal(err)
	}
	if err := status.AppendDeath(sup, status.Death{Stamp: now, Code: 1}, 10); err != nil {
		t.Fatal(err)
	}
	return dir
}

// boundedRun runs an applet with its address space capped at 1 GiB (so a
// reader that does not bound its read fails instead of eating the machine)
// and a 10 s time bound.
func boundedRun(t *testing.T, name string, args ...string) harness.Result {
	t.Helper()
	cmd := harness.Command(t, "/bin/sh", append([]string{"-c", `ulimit -v 1048576; exec "$0" "$@"`, harness.Path(t, name)}, args...)...)
	return harness.RunCmd(t, 10*time.Second, cmd)
}

// TestClientsRefuseNonRegularStatus: status or death_tally replaced by a
// symlink to /dev/zero or by a fifo: svstat, svstat --json and svdt exit
// 111 at once naming the service and the file, with bounded memory and no hang.
func TestClientsRefuseNonRegularStatus(t *testing.T) {
	plant := map[string]func(p string) error{
		"/dev/zero symlink": func(p string) error { return os.Symlink("/dev/zero", p) },
		"fifo":              func(p string) error { return syscall.Mkfifo(p, 0o600) },
	}
	for kind, make := range plant {
		for _, c := range []struct {
			file string
			argv []string
		}{
			{"status", []string{"svstat"}},
			{"status", []string{"svstat", "--json"}},
			{"death_tally", []string{"svstat", "--json"}},
			{"death_tally", []string{"svdt"}},
		} {
			dir := lockedService(t)
			p := filepath.Join(dir, "supervise", c.file)
			os.Remove(p)
			if err := make(p); err != nil {
				t.Fatal(err)
			}
			if kind == "fifo" {
				// a writer keeps the fifo open, as an attacker would
				w := exec.Command("/bin/sh", "-c", `exec 3<>"$0"; exec sleep 60`, p)
				w.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				if err := w.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { syscall.Kill(-w.Process.Pid, syscall.SIGKILL); w.Wait() })
			}
			args := append(c.argv[1:], dir)
			r := boundedRun(t, c.argv[0], args...)
			named := strings.Contains(r.Stderr, strings.ReplaceAll(c.file, "_", " ")) && strings.Contains(r.Stderr, dir)
			why := strings.Contains(r.Stderr, "not a regular file") || strings.Contains(r.Stderr, "Too many levels of symbolic links")
			if r.Code != 111 || !named || !why {
				t.Errorf("%s as %s: %v: exit %d, stderr %q", c.file, kind, c.argv, r.Code, r.Stderr)
			}
		}
	}
}

// TestSvstatJSONGarbageStatus: a status full of garbage stamps still gives
// valid RFC 3339 or null, never a year RFC 3339 cannot write.
func TestSvstatJSONGarbageStatus(t *testing.T) {
	dir := lockedService(t)
	b := make([]byte, status.Size)
	for i := range b {
		b[i] = 0xff
	}
	b[34] = status.FlagReady
	if err := os.WriteFile(filepath.Join(dir, "supervise", "status"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := boundedRun(t, "svstat", "--json", dir)
	if r.Code != 0 || !strings.Contains(r.Stdout, `"ready_since":null`) {
		t.Fatalf("exit %d: %s %s", r.Code, r.Stdout, r.Stderr)
	}
}
