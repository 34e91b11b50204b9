package s6tools

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestSvlinkLikeReal: our s6-svlink and s6-svunlink and Debian's, each
// against our scanner: the service gets a supervisor (running, or down
// with -D and a down file left, or down with -d and no down file) and
// loses it again; the error cases give the same codes and messages.
func TestSvlinkLikeReal(t *testing.T) {
	for _, mode := range [][]string{nil, {"-P"}} {
		t.Run("svscan"+strings.Join(mode, ""), func(t *testing.T) {
			root := t.TempDir()
			scan := scanDir(t, root, mode...)
			sv := filepath.Join(root, "sv")
			service(t, sv, "exec sleep 100")
			for _, impl := range []struct{ link, unlink string }{
				{harness.Path(t, "s6-svlink"), harness.Path(t, "s6-svunlink")},
				{harness.RealS6(t, "s6-svlink"), harness.RealS6(t, "s6-svunlink")},
			} {
				for _, c := range []struct {
					opt, state string
					down       bool
				}{{"", "up", false}, {"-D", "down", true}, {"-d", "down", false}} {
					args := []string{"-t", "10000", scan, sv, "name"}
					if c.opt != "" {
						args = append([]string{c.opt}, args...)
					}
					mustRun(t, root, impl.link, args...)
					// the supervisor runs when svlink returns; the service
					// itself starts just after
					want := map[string]string{"up": "true\n", "down": "false\n"}[c.state]
					harness.Eventually(t, 10*time.Second, c.opt+" service "+c.state, func() bool {
						st := mustRun(t, root, "s6-svstat", "-o", "up", filepath.Join(scan, "name"))
						return st.Stdout == want
					})
					if c.state == "down" {
						time.Sleep(200 * time.Millisecond)
						if st := mustRun(t, root, "s6-svstat", "-o", "up", filepath.Join(scan, "name")); st.Stdout != want {
							t.Errorf("%s %s: service came up", impl.link, c.opt)
						}
					}
					if _, err := os.Stat(filepath.Join(sv, "down")); (err == nil) != c.down {
						t.Errorf("%s %s: down file present %v", impl.link, c.opt, err == nil)
					}
					mustRun(t, root, impl.unlink, "-t", "10000", scan, "name")
					if _, err := os.Lstat(filepath.Join(scan, "name")); err == nil {
						t.Errorf("%s: link left", impl.unlink)
					}
					if r := run(t, root, "s6-svok", sv); r.Code != 1 {
						t.Errorf("%s %s: supervisor still running after %s", impl.link, c.opt, impl.unlink)
					}
					os.Remove(filepath.Join(sv, "down"))
				}
			}
			noexec := filepath.Join(root, "noexec")
			harness.WriteFile(t, filepath.Join(noexec, "run"), "", 0o644)
			for _, c := range [][]string{
				{"s6-svlink"}, {"s6-svlink", scan}, {"s6-svlink", "", sv}, {"s6-svlink", scan, ""},
				{"s6-svlink", scan, sv, ".x"}, {"s6-svlink", filepath.Join(root, "nope"), sv},
				{"s6-svlink", root, sv}, {"s6-svlink", scan, filepath.Join(root, "nope")},
				{"s6-svlink", scan, noexec}, {"s6-svlink", "-t", "x", scan, sv},
				{"s6-svunlink"}, {"s6-svunlink", scan}, {"s6-svunlink", scan, ".x"},
				{"s6-svunlink", scan, "nothere"},
			} {
				same(t, root, c[0], c[1:]...)
			}
		})
	}
}

// tally writes a death_tally: records of (seconds ago, exit code or
// -signal).
func tally(t *testing.T, dir string, deaths ...[2]int) {
	t.Helper()
	var b []byte
	now := time.Now()
	for _, d := range deaths {
		ts := now.Add(-time.Duration(d[0]) * time.Second)
		rec := make([]byte, 14)
		binary.BigEndian.PutUint64(rec, uint64(ts.Unix())+(1<<62)+10)
		binary.BigEndian.PutUint32(rec[8:], uint32(ts.Nanosecond()))
		if d[1] < 0 {
			rec[12], rec[13] = byte(128-d[1]), byte(-d[1])
		} else {
			rec[12] = byte(d[1])
		}
		b = append(b, rec...)
	}
	harness.WriteFile(t, filepath.Join(dir, "supervise", "death_tally"), string(b), 0o644)
}

// TestPermafailonLikeReal: the status list syntax, the death tally
// reading and the verdict (125 and the PERMANENT FAILURE line, or the
// chain-load) are those of Debian's program.
func TestPermafailonLikeReal(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "supervise"), 0o755)
	args := [][]string{
		{}, {"60", "1", "1"}, {"60", "0", "1", "true"}, {"x", "1", "1", "true"},
		{"60", "1", "300", "echo", "ran"}, {"60", "1", "5-2", "echo", "ran"},
		{"60", "1", "1-", "echo", "ran"}, {"60", "1", "SIGFOO", "echo", "ran"},
		{"60", "1", "1,,;", "echo", "ran"}, {"60", "1", "1", "/nonexistent"},
		{"60", "2", "1,101-103,SIGSEGV,sigbus", "echo", "ran"},
		{"60", "2", "sig11 term", "echo", "ran"},
		{"10", "2", "1,SIGSEGV", "echo", "ran"},
		{"60", "3", "0-255", "echo", "ran"},
	}
	check := func(what string) {
		for _, a := range args {
			if len(a) > 0 {
				same(t, dir, "s6-permafailon", a...)
			} else {
				same(t, dir, "s6-permafailon")
			}
		}
		_ = what
	}
	check("no tally")
	harness.WriteFile(t, filepath.Join(dir, "supervise", "death_tally"), "short", 0o644)
	check("bad tally")
	tally(t, dir, [2]int{100, 1}, [2]int{30, 102}, [2]int{20, -11}, [2]int{5, 1}, [2]int{1, -15})
	check("tally")
}

// TestFghackLikeReal: exit codes passed through, a write on the hack
// pipe (102), a background child holding the pipe, a usage error.
func TestFghackLikeReal(t *testing.T) {
	dir := t.TempDir()
	for _, a := range [][]string{
		{}, {"sh", "-c", "exit 3"}, {"sh", "-c", "echo x >&5"},
		{"sh", "-c", "(sleep 0.3; echo late >&7) >/dev/null 2>&1 </dev/null & exit 0"},
		{"sh", "-c", "sleep 0.3 >/dev/null 2>&1 </dev/null & exit 4"},
	} {
		same(t, dir, "s6-fghack", a...)
	}
	// a signal: 2.11 prints a garbled name, so only the exit code is compared
	ours := run(t, dir, "s6-fghack", "sh", "-c", "kill -9 $$")
	real := run(t, dir, harness.RealS6(t, "s6-fghack"), "sh", "-c", "kill -9 $$")
	if ours.Code != 137 || real.Code != 111 && real.Code != 137 {
		t.Errorf("killed child: ours %d %q, real %d %q", ours.Code, ours.Stderr, real.Code, real.Stderr)
	}
}

// TestPause follows s6-portable-utils' documentation (Debian's s6 has no
// s6-pause): it blocks until a signal kills it; -t, -i and -p ignore
// signals.
func TestPause(t *testing.T) {
	p := harness.Start(t, harness.Command(t, "s6-pause", "-t", "-p", "10,12"))
	time.Sleep(300 * time.Millisecond)
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGUSR2} {
		p.Signal(s)
	}
	if _, done := p.Wait(500 * time.Millisecond); done {
		t.Fatalf("s6-pause -t -p 10,12 died of an ignored signal: %s", p.Stderr.String())
	}
	p.Signal(syscall.SIGINT)
	if _, done := p.Wait(5 * time.Second); !done {
		t.Fatal("s6-pause survived SIGINT")
	}
	if ws := p.Cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("s6-pause ended with %v, want killed by SIGINT", ws)
	}
	if r := run(t, "", "s6-pause", "-x"); r.Code != 100 || !strings.Contains(r.Stderr, "usage") {
		t.Errorf("s6-pause -x: %d %q", r.Code, r.Stderr)
	}
	if r := run(t, "", "s6-pause", "-p", "x"); r.Code != 100 {
		t.Errorf("s6-pause -p x: %d %q", r.Code, r.Stderr)
	}
}
