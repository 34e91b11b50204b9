package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestReloadSignal: s6-rc reload sends a longrun the signal named in its
// reload-signal file (s6 2.12's s6-svc -l, as upstream s6-rc does), and
// SIGHUP without one. Only under our scanner: Debian's s6-supervise 2.11
// predates reload-signal.
func TestReloadSignal(t *testing.T) {
	s := newSys(t)
	got := filepath.Join(s.dir, "got")
	trap := func(name string) string {
		return "#!/bin/sh\ntrap 'echo " + name + " usr2 >> " + got + "' USR2\ntrap 'echo " + name + " hup >> " + got + "' HUP\nwhile :; do sleep 0.1; done\n"
	}
	s.write(map[string]string{
		"A/type": "longrun\n", "A/run": trap("A"), "A/reload-signal": "SIGUSR2\n",
		"B/type": "longrun\n", "B/run": trap("B"),
	})
	s.compile()
	s.boot(scanners(t)[1])
	mustCode(t, "change", s.rc("-u", "change", "A", "B"), 0)
	harness.Eventually(t, 20*time.Second, "A and B up", func() bool { return s.svstatUp("A") && s.svstatUp("B") })
	// the traps are set once the shells run: give them a moment
	time.Sleep(300 * time.Millisecond)
	mustCode(t, "reload", s.rc("reload", "A", "B"), 0)
	harness.Eventually(t, 20*time.Second, "both reloaded", func() bool {
		b, _ := os.ReadFile(got)
		return strings.Count(string(b), "\n") >= 2
	})
	b, _ := os.ReadFile(got)
	if l := sorted(lines(string(b))); !eq(l, []string{"A usr2", "B hup"}) {
		t.Errorf("signals received: %q", l)
	}
}

// TestRcBundle follows s6-rc-bundle's documentation (s6-rc 0.5; Debian
// has no s6-rc): bundles added to and deleted from a compiled database,
// contents resolved before the edit, the exit codes 1, 3 and 5, -f.
func TestRcBundle(t *testing.T) {
	s := newSys(t)
	s.write(map[string]string{
		"a/type": "oneshot\n", "a/up": "echo a\n",
		"b/type": "oneshot\n", "b/up": "echo b\n",
		"c/type": "longrun\n", "c/run": "#!/bin/sh\nexec sleep 100\n",
		"B1/type": "bundle\n", "B1/contents": "a\nb\n",
	})
	s.compile()
	bundle := func(args ...string) harness.Result {
		return harness.Run(t, "s6-rc-bundle", append([]string{"-c", s.db}, args...)...)
	}
	contents := func(name string) []string {
		r := harness.Run(t, "s6-rc-db", "-c", s.db, "contents", name)
		if r.Code != 0 {
			return []string{"exit " + r.Stderr}
		}
		return sorted(lines(r.Stdout))
	}
	mustCode(t, "add", bundle("add", "B2", "B1", "c"), 0)
	if got := contents("B2"); !eq(got, []string{"a", "b", "c"}) {
		t.Errorf("B2 = %q", got)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"add", "B2", "a"}, 1, "identifier B2 already exists"},
		{[]string{"add", "B3", "nope"}, 3, "identifier nope does not exist"},
		{[]string{"delete", "nope"}, 3, "identifier nope does not exist"},
		{[]string{"delete", "a"}, 5, "identifier a does not represent a bundle"},
		{[]string{"add", "c", "a"}, 1, "already exists"},
		{[]string{"-f", "add", "c", "a"}, 5, "does not represent a bundle"},
		{[]string{"add", "B9"}, 100, "usage"},
		{[]string{"frob"}, 100, "usage"},
		{[]string{"multiple", " B1", "B2"}, 100, "unterminated block"},
		{[]string{"multiple", "", "B2"}, 100, "missing bundle contents block"},
	} {
		r := bundle(c.args...)
		if r.Code != c.code || !strings.Contains(r.Stderr, c.msg) {
			t.Errorf("%q: %d %q, want %d and %q", c.args, r.Code, r.Stderr, c.code, c.msg)
		}
	}
	mustCode(t, "-f delete nope", bundle("-f", "delete", "nope"), 0)
	mustCode(t, "-f add B2", bundle("-f", "add", "B2", "a"), 0)
	if got := contents("B2"); !eq(got, []string{"a"}) {
		t.Errorf("B2 replaced = %q", got)
	}
	// multiple, as execlineb passes blocks: delete B1 and B2, add B3 = what
	// B1 was before the edit, and B4 = c
	mustCode(t, "multiple", bundle("multiple", " B1", " B2", "", "B3", " B1", "", "B4", " c", ""), 0)
	r := harness.Run(t, "s6-rc-db", "-c", s.db, "list", "bundles")
	if got := sorted(lines(r.Stdout)); !eq(got, []string{"B3", "B4"}) {
		t.Errorf("bundles after multiple: %q", got)
	}
	if got := contents("B3"); !eq(got, []string{"a", "b"}) {
		t.Errorf("B3 = %q", got)
	}
	mustCode(t, "check", harness.Run(t, "s6-rc-db", "-c", s.db, "check"), 0)
	// the edited database boots and the new bundle can be started
	s.boot(scanners(t)[1])
	mustCode(t, "change B4", s.rc("-u", "change", "B3", "B4"), 0)
	if r := s.rc("-a", "list"); !eq(sorted(lines(r.Stdout)), []string{"a", "b", "c", "s6rc-oneshot-runner"}) {
		t.Errorf("up after change B3 B4: %q", r.Stdout)
	}
	if r := harness.Run(t, "s6-rc-bundle", "help"); r.Code != 0 || !strings.Contains(r.Stdout, "s6-rc-bundle add bundlename contents...") {
		t.Errorf("help: %d %q", r.Code, r.Stdout)
	}
}

// TestRcDryrun follows s6-rc-dryrun's documentation: "NAME: args" on
// stdout, nothing with -v0, a sleep of -t milliseconds, exit 0.
func TestRcDryrun(t *testing.T) {
	if r := harness.Run(t, "s6-rc-dryrun", "-t", "0", "s6-svc", "-u", "x"); r.Code != 0 || r.Stdout != "s6-rc-dryrun: s6-svc -u x\n" {
		t.Errorf("dryrun: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
	if r := harness.Run(t, "s6-rc-dryrun", "-v0", "-t", "0", "x"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("-v0: %d %q", r.Code, r.Stdout)
	}
	start := time.Now()
	harness.Run(t, "rc-dryrun", "-t", "300", "x")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("-t 300 returned after %v", d)
	}
	if r := harness.Run(t, "s6-rc-dryrun", "-t", "0"); r.Code != 100 {
		t.Errorf("no command: %d", r.Code)
	}
}
