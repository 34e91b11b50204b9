package rc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

func TestSignalAbortsChange(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{
			"L/type": "longrun\n", "L/notification-fd": "3\n",
			"L/run":      "#!/bin/sh\ntrap 'kill $!; exit 0' TERM\nsleep 30 &\nwait $!\necho >&3\nexec sleep 100\n",
			"after/type": "oneshot\n", "after/up": "true\n", "after/dependencies": "L\n",
		})
		s.compile()
		s.boot(sc)
		p := harness.Start(t, harness.Command(t, "s6-rc", "-l", s.live, "-v2", "change", "after"))
		harness.Eventually(t, 20*time.Second, "L spawned", func() bool { return s.svstatUp("L") })
		p.Signal(syscall.SIGTERM)
		code, ok := p.Wait(20 * time.Second)
		if !ok || code != 1 {
			t.Fatalf("exit %d %v, stderr %s", code, ok, p.Stderr.String())
		}
		errs := p.Stderr.String()
		for _, w := range []string{"s6-rc: warning: received TERM, aborting pending processes and exiting asap\n",
			"s6-rc: warning: unable to start service L: command crashed with signal 15\n"} {
			if !strings.Contains(errs, w) {
				t.Errorf("missing %q in:\n%s", w, errs)
			}
		}
		if strings.Contains(errs, "service after") {
			t.Errorf("after was attempted:\n%s", errs)
		}
		harness.Eventually(t, 20*time.Second, "L sent down", func() bool { return !s.svstatUp("L") })
	})
}

func TestReloadRestartJSONCompile(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		hup := filepath.Join(s.dir, "hup")
		s.write(map[string]string{
			"L/type": "longrun\n",
			"L/run":  "#!/bin/sh\ntrap 'echo hup >> " + hup + "' HUP\nwhile :; do sleep 0.1; done\n",
			"o/type": "oneshot\n", "o/up": "echo o-up\n", "o/down": "echo o-down\n", "o/reload": "echo o-reloaded $RC_NAME\n",
			"o/dependencies": "L\n",
			"env/type":       "oneshot\n", "env/up": "#!/bin/sh\necho \"name=$RC_NAME marker=$MARKER\"\n",
			"dep/type": "oneshot\n", "dep/up": "echo dep-up\n", "dep/down": "echo dep-down\n", "dep/dependencies": "o\n",
		})
		s.compile()
		s.boot(sc)
		mustCode(t, "change dep", s.rc("change", "dep"), 0)
		// oneshots run under the runner: RC_NAME set, the caller's
		// environment not passed
		cmd := harness.Command(t, "s6-rc", "-l", s.live, "change", "env")
		cmd.Env = append(cmd.Env, "MARKER=from-the-caller")
		if r := harness.RunCmd(t, 30*time.Second, cmd); r.Code != 0 || r.Stdout != "name=env marker=\n" {
			t.Errorf("env oneshot: %d %q %q", r.Code, r.Stdout, r.Stderr)
		}
		r := s.rc("-v2", "reload", "o", "L")
		mustCode(t, "reload", r, 0)
		if !strings.Contains(r.Stdout, "o-reloaded") || !strings.Contains(r.Stderr, "service o successfully reloaded") ||
			!strings.Contains(r.Stderr, "service L successfully reloaded") {
			t.Errorf("reload: %q %q", r.Stdout, r.Stderr)
		}
		harness.Eventually(t, 20*time.Second, "L got SIGHUP", func() bool {
			b, _ := os.ReadFile(hup)
			return strings.Contains(string(b), "hup")
		})
		// restart o and L without touching dep
		pid := func() uint64 {
			st, _ := status.Read(filepath.Join(s.live, "servicedirs", "L"))
			return st.PID
		}
		before := pid()
		r = s.rc("-v2", "restart", "o", "L")
		mustCode(t, "restart", r, 0)
		if r.Stdout != "o-down\no-up\n" {
			t.Errorf("restart o output %q", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "service L successfully restarted") {
			t.Errorf("restart stderr %q", r.Stderr)
		}
		if after := pid(); after == 0 || after == before {
			t.Errorf("L pid %d -> %d", before, after)
		}
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "L", "dep", "env", "o"}) {
			t.Errorf("after restart: %q", r.Stdout)
		}
		// --json
		r = s.rc("-a", "--json", "list")
		var l []struct {
			Name      string
			Type      string
			Up        bool
			Essential bool
		}
		if err := json.Unmarshal([]byte(r.Stdout), &l); err != nil || len(l) != 5 || l[0].Name != "s6rc-oneshot-runner" ||
			!l[0].Essential || l[1].Type != "longrun" || !l[1].Up {
			t.Errorf("--json list: %v %q", err, r.Stdout)
		}
		// rc compile SRC: a fresh db next to the live one
		r = s.rc("compile", s.src)
		mustCode(t, "rc compile", r, 0)
		p := strings.TrimSpace(r.Stdout)
		if filepath.Dir(p) != s.dir || !strings.HasPrefix(filepath.Base(p), "compiled-") {
			t.Errorf("rc compile wrote %q", p)
		}
		if r := harness.Run(t, "s6-rc-db", "-c", p, "type", "dep"); r.Stdout != "oneshot\n" {
			t.Errorf("fresh db: %q %q", r.Stdout, r.Stderr)
		}
		if r := s.rc("help"); r.Code != 0 || !strings.Contains(r.Stdout, "s6-rc help") {
			t.Errorf("help: %d %q", r.Code, r.Stdout)
		}
		if r := s.rc("frobnicate"); r.Code != 100 || !strings.Contains(r.Stderr, "unknown command: frobnicate") {
			t.Errorf("unknown command: %d %q", r.Code, r.Stderr)
		}
		// rc update SRC: recompile with a changed L; L restarts, and so do
		// o and dep which depend on it; live/compiled is the fresh db
		harness.WriteFile(t, filepath.Join(s.src, "L", "run"), "#!/bin/sh\nexec sleep 1000\n", 0o755)
		beforeUpdate := pid()
		r = s.rc("-v2", "update", s.src)
		mustCode(t, "rc update", r, 0)
		if r.Stdout != "dep-down\no-down\no-up\ndep-up\n" {
			t.Errorf("rc update script output %q", r.Stdout)
		}
		if got := pid(); got == 0 || got == beforeUpdate {
			t.Errorf("L not restarted by rc update: %d -> %d", beforeUpdate, got)
		}
		if c, _ := os.Readlink(filepath.Join(s.live, "compiled")); !strings.HasPrefix(filepath.Base(c), "compiled-") {
			t.Errorf("live/compiled -> %q", c)
		}
		if r := s.rc("-a", "list"); !eq(lines(r.Stdout), []string{"s6rc-oneshot-runner", "L", "dep", "env", "o"}) {
			t.Errorf("after rc update: %q", r.Stdout)
		}
	})
}
