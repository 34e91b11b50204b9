package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// The walk-through guide's s6-rc demo, with its files and command lines as
// written (plus -l/-c to keep the live state in a temp dir).
func TestWalkthroughDemo(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{
			"demo-longrun-1/type":         "longrun\n",
			"demo-longrun-1/run":          "#!/bin/sh\nwhile :; do echo \"demo-longrun-1 is running\"; sleep 10; done\n",
			"demo-oneshot-1/type":         "oneshot\n",
			"demo-oneshot-1/up":           "#!/bin/sh\necho \"demo-oneshot-1 is up\"\n",
			"demo-oneshot-1/down":         "#!/bin/sh\necho \"demo-oneshot-1 is down\"\n",
			"demo-longrun-1/dependencies": "demo-oneshot-1\n",
			"default/type":                "bundle\n",
			"default/contents":            "demo-longrun-1\n",
		})
		stamp := "2026-11-23T10:00:00+00:00"
		r := harness.Run(t, "s6-rc-compile", filepath.Join(s.dir, "compiled-"+stamp), s.src)
		mustCode(t, "compile", r, 0)
		if err := os.Symlink("compiled-"+stamp, s.db); err != nil {
			t.Fatal(err)
		}
		s.boot(sc)
		out, code := s.rcCombined("-v2", "-up", "change", "default")
		want := []string{
			"s6-rc: info: service s6rc-oneshot-runner: starting",
			"s6-rc: info: service s6rc-oneshot-runner successfully started",
			"s6-rc: info: service demo-oneshot-1: starting",
			"demo-oneshot-1 is up",
			"s6-rc: info: service demo-oneshot-1 successfully started",
			"s6-rc: info: service demo-longrun-1: starting",
			"s6-rc: info: service demo-longrun-1 successfully started",
		}
		if code != 0 || !eq(lines(out), want) {
			t.Fatalf("boot: exit %d, output:\n%s\nwant:\n%s", code, out, strings.Join(want, "\n"))
		}
		if !s.svstatUp("demo-longrun-1") {
			t.Errorf("s6-svstat does not see demo-longrun-1 up")
		}
		harness.Eventually(t, 20*time.Second, "the daemon's line in the catch-all log", func() bool {
			b, _ := os.ReadFile(filepath.Join(s.dir, "catchall"))
			return strings.Contains(string(b), "demo-longrun-1 is running\n")
		})
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "demo-longrun-1", "demo-oneshot-1"}) {
			t.Errorf("-a list = %q", r.Stdout)
		}
		if r := s.rc("-ae", "list"); !eq(lines(r.Stdout), []string{"demo-longrun-1", "demo-oneshot-1"}) {
			t.Errorf("-ae list = %q", r.Stdout)
		}
		if r := s.rc("-d", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "s6rc-fdholder", "demo-longrun-1", "demo-oneshot-1"}) {
			t.Errorf("-d list = %q", r.Stdout)
		}
		if r := s.rc("diff"); r.Code != 0 || r.Stdout != "" {
			t.Errorf("diff after boot: %d %q", r.Code, r.Stdout)
		}
		out, code = s.rcCombined("-v2", "-bDa", "change")
		want = []string{
			"s6-rc: info: service demo-longrun-1: stopping",
			"s6-rc: info: service demo-longrun-1 successfully stopped",
			"s6-rc: info: service demo-oneshot-1: stopping",
			"demo-oneshot-1 is down",
			"s6-rc: info: service demo-oneshot-1 successfully stopped",
			"s6-rc: info: service s6rc-oneshot-runner: stopping",
			"s6-rc: info: service s6rc-oneshot-runner successfully stopped",
		}
		if code != 0 || !eq(lines(out), want) {
			t.Fatalf("shutdown: exit %d, output:\n%s\nwant:\n%s", code, out, strings.Join(want, "\n"))
		}
		if s.svstatUp("demo-longrun-1") {
			t.Errorf("demo-longrun-1 still up after shutdown")
		}
		if _, err := os.Stat(filepath.Join(s.live, "servicedirs", "demo-longrun-1", "down")); err != nil {
			t.Errorf("down file not restored: %v", err)
		}
		// With -d instead of -D the runner stays, with the essential warning.
		s.rc("-up", "change", "default")
		out, _ = s.rcCombined("-v2", "-bda", "change")
		l := lines(out)
		if l[len(l)-1] != "s6-rc: warning: service s6rc-oneshot-runner is marked as essential, not stopping it" {
			t.Errorf("-bda: last line %q", l[len(l)-1])
		}
	})
}

func diamond(s *sys) {
	s.write(map[string]string{
		"a/type": "oneshot\n", "a/up": "echo a\n",
		"b/type": "oneshot\n", "b/up": "echo b\n", "b/dependencies.d/a": "",
		"c/type": "oneshot\n", "c/up": "echo c\n", "c/dependencies.d/a": "",
		"d/type": "oneshot\n", "d/up": "echo d\n", "d/dependencies.d/b": "", "d/dependencies.d/c": "",
		"all/type": "bundle\n", "all/contents.d/d": "",
	})
}

func TestDiamond(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		diamond(s)
		s.compile()
		s.boot(sc)
		r := s.rc("-v2", "change", "all")
		mustCode(t, "change all", r, 0)
		out := lines(r.Stderr)
		for _, x := range []string{"b", "c"} {
			before(t, out, "s6-rc: info: service a successfully started", "s6-rc: info: service "+x+": starting")
			before(t, out, "s6-rc: info: service "+x+" successfully started", "s6-rc: info: service d: starting")
		}
		if got := sorted(lines(r.Stdout)); !eq(got, []string{"a", "b", "c", "d"}) {
			t.Errorf("script output %q", got)
		}
		if r := s.rc("-d", "listall", "a"); !eq(sorted(lines(r.Stdout)), []string{"a", "b", "c", "d"}) {
			t.Errorf("-d listall a = %q", r.Stdout)
		}
		if r := s.rc("listall", "d"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "a", "b", "c", "d"}) {
			t.Errorf("listall d = %q", r.Stdout)
		}
		r = s.rc("-v2", "-d", "change", "a")
		mustCode(t, "-d change a", r, 0)
		out = lines(r.Stderr)
		for _, x := range []string{"b", "c"} {
			before(t, out, "s6-rc: info: service d successfully stopped", "s6-rc: info: service "+x+": stopping")
			before(t, out, "s6-rc: info: service "+x+" successfully stopped", "s6-rc: info: service a: stopping")
		}
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner"}) {
			t.Errorf("after -d change a, up = %q (runner must stay)", r.Stdout)
		}
	})
}

func TestFailingOneshot(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		fix := filepath.Join(s.dir, "fixed")
		s.write(map[string]string{
			"a/type": "oneshot\n", "a/up": "true\n",
			"bad/type": "oneshot\n", "bad/up": "test -e " + fix + "\n", "bad/dependencies": "a\n",
			"after/type": "oneshot\n", "after/up": "true\n", "after/dependencies": "bad\n",
			"indep/type": "oneshot\n", "indep/up": "true\n",
		})
		s.compile()
		s.boot(sc)
		r := s.rc("-v2", "change", "after", "indep")
		mustCode(t, "change", r, 1)
		if !strings.Contains(r.Stderr, "s6-rc: warning: unable to start service bad: command exited 1\n") {
			t.Errorf("stderr lacks the failure line:\n%s", r.Stderr)
		}
		if strings.Contains(r.Stderr, "service after") || !strings.Contains(r.Stderr, "service indep successfully started") {
			t.Errorf("wrong transitions:\n%s", r.Stderr)
		}
		// called by its bare name, the messages say "rc:"
		r = harness.Run(t, "rc", "-l", s.live, "-v2", "change", "after")
		if r.Code != 1 || !strings.Contains(r.Stderr, "rc: warning: unable to start service bad: command exited 1\n") ||
			strings.Contains(r.Stderr, "s6-rc:") {
			t.Errorf("bare rc: %d %q", r.Code, r.Stderr)
		}
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "a", "indep"}) {
			t.Errorf("-a list = %q", r.Stdout)
		}
		// "Fix" the script's condition and rerun: now everything starts,
		// and a, already up, is not run again.
		harness.WriteFile(t, fix, "", 0o644)
		r = s.rc("-v3", "change", "after", "indep")
		mustCode(t, "rerun", r, 0)
		if !strings.Contains(r.Stderr, "service a: already up") || !strings.Contains(r.Stderr, "service after successfully started") {
			t.Errorf("rerun: %s", r.Stderr)
		}
	})
}

func TestTimeouts(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{
			"slow/type": "oneshot\n", "slow/up": "sleep 5\n", "slow/timeout-up": "200\n",
			"noready/type": "longrun\n", "noready/run": "#!/bin/sh\nexec sleep 100\n",
			"noready/notification-fd": "3\n", "noready/timeout-up": "300\n",
			"perm/type": "longrun\n", "perm/notification-fd": "3\n", "perm/run": "#!/bin/sh\nexit 1\n", "perm/finish": "#!/bin/sh\nexit 125\n",
			"late/type": "longrun\n", "late/notification-fd": "3\n",
			"late/run": "#!/bin/sh\nsleep 1\necho >&3\nexec sleep 100\n",
		})
		s.compile()
		s.boot(sc)
		start := time.Now()
		r := s.rc("-v2", "change", "slow")
		mustCode(t, "oneshot timeout", r, 1)
		if !strings.Contains(r.Stderr, "unable to start service slow: command exited 111") {
			t.Errorf("oneshot timeout stderr: %s", r.Stderr)
		}
		if time.Since(start) > 4*time.Second {
			t.Errorf("oneshot timeout took %v (script not abandoned)", time.Since(start))
		}
		r = s.rc("-v2", "change", "noready")
		mustCode(t, "readiness timeout", r, 1)
		if !strings.Contains(r.Stderr, "unable to start service noready: command exited 99") {
			t.Errorf("readiness timeout stderr: %s", r.Stderr)
		}
		harness.Eventually(t, 20*time.Second, "noready sent down", func() bool {
			return !s.svstatUp("noready")
		})
		if r := s.rc("diff"); r.Code != 0 || r.Stdout != "" {
			t.Errorf("diff after readiness timeout: %d %q", r.Code, r.Stdout)
		}
		// permanent failure: finish exits 125, the supervisor gives up
		r = s.rc("-v2", "change", "perm")
		mustCode(t, "permanent failure", r, 1)
		if !strings.Contains(r.Stderr, "unable to start service perm: command exited 1\n") {
			t.Errorf("permanent failure stderr: %s", r.Stderr)
		}
		// global timeout
		r = s.rc("-t", "100", "change", "late")
		mustCode(t, "global timeout", r, 2)
		if !strings.Contains(r.Stderr, "s6-rc: fatal: timed out") {
			t.Errorf("global timeout stderr: %s", r.Stderr)
		}
		harness.Eventually(t, 20*time.Second, "late comes up anyway", func() bool { return s.svstatUp("late") })
		r = s.rc("diff")
		if r.Code != 1 || r.Stdout != "+late\n" {
			t.Errorf("diff: %d %q, want +late", r.Code, r.Stdout)
		}
		mustCode(t, "second change late", s.rc("change", "late"), 0)
		if r := s.rc("diff"); r.Code != 0 {
			t.Errorf("diff after second change: %d %q", r.Code, r.Stdout)
		}
	})
}

func TestDryRun(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		diamond(s)
		s.compile()
		s.boot(sc)
		stateBefore, _ := os.ReadFile(filepath.Join(s.live, "state"))
		r := s.rc("-n", "0", "-v2", "change", "all")
		mustCode(t, "dry run", r, 0)
		out := lines(r.Stdout)
		if len(out) != 5 {
			t.Fatalf("want 5 dry-run lines, got:\n%s", r.Stdout)
		}
		for _, l := range out {
			if !strings.HasPrefix(l, "s6-rc-dryrun: ") {
				t.Errorf("bad dry-run line %q", l)
			}
		}
		if !strings.Contains(out[0], "s6rc-oneshot-runner") || !strings.HasSuffix(out[4], "# d") {
			t.Errorf("dry-run order wrong:\n%s", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "s6-rc: info: dry run: service a: starting\n") ||
			!strings.Contains(r.Stderr, "s6-rc: info: dry run: service d successfully started\n") {
			t.Errorf("dry-run stderr:\n%s", r.Stderr)
		}
		stateAfter, _ := os.ReadFile(filepath.Join(s.live, "state"))
		if string(stateBefore) != string(stateAfter) {
			t.Errorf("dry run changed the state file")
		}
		if _, err := os.Stat(filepath.Join(s.live, "servicedirs", "s6rc-oneshot-runner", "down")); err != nil {
			t.Errorf("dry run removed a down file")
		}
		if r := s.rc("-a", "list"); r.Stdout != "" {
			t.Errorf("dry run brought something up: %q", r.Stdout)
		}
		if r := s.rc("-n", "0", "-v0", "change", "all"); r.Stdout != "" || r.Stderr != "" || r.Code != 0 {
			t.Errorf("-v0 dry run printed %q %q", r.Stdout, r.Stderr)
		}
	})
}

func TestEssentialPruneBundles(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{
			"e/type": "oneshot\n", "e/up": "true\n", "e/flag-essential": "",
			"x/type": "oneshot\n", "x/up": "true\n",
			"y/type": "oneshot\n", "y/up": "true\n",
			"b1/type": "bundle\n", "b1/contents": "x\n",
			"b2/type": "bundle\n", "b2/contents.d/b1": "", "b2/contents.d/y": "",
			"b3/type": "bundle\n", "b3/contents": "b2\n", "b3/flag-recommended": "",
			"empty/type": "bundle\n", "empty/contents": "",
		})
		s.compile()
		s.boot(sc)
		mustCode(t, "change e", s.rc("change", "e"), 0)
		r := s.rc("-d", "change", "e")
		mustCode(t, "-d change e", r, 0)
		if !strings.Contains(r.Stderr, "s6-rc: warning: service e is marked as essential, not stopping it") {
			t.Errorf("stderr %q", r.Stderr)
		}
		if r := s.rc("-a", "list"); !strings.Contains(r.Stdout, "e\n") {
			t.Errorf("e went down: %q", r.Stdout)
		}
		mustCode(t, "-D change e", s.rc("-D", "change", "e"), 0)
		if r := s.rc("-a", "list"); strings.Contains(r.Stdout, "e\n") {
			t.Errorf("-D did not stop e")
		}
		mustCode(t, "change e", s.rc("change", "e"), 0)
		mustCode(t, "-de change e", s.rc("-de", "change", "e"), 0)
		if r := s.rc("-a", "list"); strings.Contains(r.Stdout, "e\n") {
			t.Errorf("-de did not stop e")
		}
		if r := s.rc("listall", "b3"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "x", "y"}) {
			t.Errorf("listall b3 = %q", r.Stdout)
		}
		r = s.rc("-v2", "change", "empty")
		if r.Code != 0 || r.Stderr != "" {
			t.Errorf("change empty: %d %q", r.Code, r.Stderr)
		}
		// prune: up {x, y}, then -pu change x stops y
		mustCode(t, "change b2", s.rc("change", "b2"), 0)
		mustCode(t, "-pu change x", s.rc("-pu", "change", "x"), 0)
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "x"}) {
			t.Errorf("after prune: %q", r.Stdout)
		}
	})
}

func TestLockingAndBadLive(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		mark := filepath.Join(s.dir, "mark")
		s.write(map[string]string{
			"slow/type": "oneshot\n", "slow/up": "/bin/sh -c \"touch " + mark + "; sleep 2\"\n",
			"fast/type": "oneshot\n", "fast/up": "true\n",
		})
		s.compile()
		s.boot(sc)
		p := harness.Start(t, harness.Command(t, "s6-rc", "-l", s.live, "change", "slow"))
		harness.Eventually(t, 20*time.Second, "slow oneshot running", func() bool {
			_, err := os.Stat(mark)
			return err == nil
		})
		r := s.rc("change", "fast")
		mustCode(t, "concurrent change", r, 111)
		if !strings.Contains(r.Stderr, "s6-rc: fatal: unable to take locks: Device or resource busy") {
			t.Errorf("stderr %q", r.Stderr)
		}
		mustCode(t, "concurrent list", s.rc("list"), 111)
		r = s.rc("-b", "change", "fast")
		mustCode(t, "-b change", r, 0)
		if code, ok := p.Wait(20 * time.Second); !ok || code != 0 {
			t.Errorf("first change: %d %v", code, ok)
		}
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "fast", "slow"}) {
			t.Errorf("-a list = %q", r.Stdout)
		}
		r = s.rc("change", "nope")
		mustCode(t, "unknown name", r, 3)
		if !strings.Contains(r.Stderr, "nope is not a recognized identifier") {
			t.Errorf("stderr %q", r.Stderr)
		}
		// a corrupt database is refused by its checksum
		dbf := filepath.Join(s.db, "db")
		orig, _ := os.ReadFile(dbf)
		bad := []byte(strings.Replace(string(orig), `"slow"`, `"slaw"`, 1))
		os.WriteFile(dbf, bad, 0o644)
		r = s.rc("list")
		mustCode(t, "corrupt db", r, 4)
		if !strings.Contains(r.Stderr, "checksum mismatch") || !strings.Contains(r.Stderr, "compiled/db") {
			t.Errorf("stderr %q", r.Stderr)
		}
		// a live dir whose database has another format version
		_, rest, _ := strings.Cut(string(orig), "\n")
		os.WriteFile(dbf, []byte("s6box-rcdb 9\n"+rest), 0o644)
		r = s.rc("list")
		mustCode(t, "other version", r, 4)
		if !strings.Contains(r.Stderr, `format "9", this program reads version 2`) {
			t.Errorf("stderr %q", r.Stderr)
		}
		os.WriteFile(dbf, []byte("garbage"), 0o644)
		mustCode(t, "garbage db", s.rc("list"), 4)
		os.WriteFile(dbf, orig, 0o644)
		// truncated state
		os.WriteFile(filepath.Join(s.live, "state"), []byte{1}, 0o644)
		r = s.rc("list")
		mustCode(t, "truncated state", r, 4)
		if !strings.Contains(r.Stderr, "unable to read valid state in "+s.live+"/state") {
			t.Errorf("stderr %q", r.Stderr)
		}
	})
}
