package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

func TestRcInit(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{
			"l/type": "longrun\n", "l/run": "#!/bin/sh\nexec sleep 100\n",
			"o/type": "oneshot\n", "o/up": "true\n",
		})
		s.compile()
		// no scanner yet
		r := harness.Run(t, "s6-rc-init", "-c", s.db, "-l", s.live, s.scan)
		mustCode(t, "init without svscan", r, 100)
		if !strings.Contains(r.Stderr, "s6-svscan is not running on "+s.scan) {
			t.Errorf("stderr %q", r.Stderr)
		}
		for _, bad := range [][]string{{"-c", s.db, "-l", "rel", s.scan}, {"-c", s.db, "-l", s.live, "scan"}, {"-c", "rel", "-l", s.live, s.scan}, {"-p", "a/b", "-c", s.db, "-l", s.live, s.scan}} {
			if r := harness.Run(t, "s6-rc-init", bad...); r.Code != 100 {
				t.Errorf("s6-rc-init %v: exit %d, want 100", bad, r.Code)
			}
		}
		s.boot(sc)
		fi, err := os.Lstat(s.live)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("live is not a symlink: %v", err)
		}
		target, _ := os.Readlink(s.live)
		if filepath.IsAbs(target) || !strings.HasPrefix(target, "live:s6-rc-init:") {
			t.Errorf("live -> %q, want a relative live:s6-rc-init:XXXXXX", target)
		}
		st, _ := os.ReadFile(filepath.Join(s.live, "state"))
		if len(st) != 4 || strings.Trim(string(st), "\x00") != "" {
			t.Errorf("state = %q, want 4 zero bytes", st)
		}
		for _, n := range []string{"s6rc-oneshot-runner", "s6rc-fdholder", "l"} {
			d := filepath.Join(s.live, "servicedirs", n)
			if _, err := os.Stat(filepath.Join(d, "down")); err != nil {
				t.Errorf("%s has no down file", n)
			}
			if r := harness.Run(t, harness.RealS6(t, "s6-svok"), d); r.Code != 0 {
				t.Errorf("%s is not supervised (s6-svok %d)", n, r.Code)
			}
			if l, err := os.Readlink(filepath.Join(s.scan, n)); err != nil || !strings.Contains(l, "live:s6-rc-init:") {
				t.Errorf("scandir link %s -> %q %v", n, l, err)
			}
		}
		if s.svstatUp("l") {
			t.Errorf("l started by s6-rc-init")
		}
		// idempotence
		r = harness.Run(t, "s6-rc-init", "-c", s.db, "-l", s.live, s.scan)
		mustCode(t, "second init", r, 0)
		if r.Stderr != "s6-rc-init: info: s6-rc already running on "+s.live+"\n" {
			t.Errorf("second init stderr %q", r.Stderr)
		}
		r = harness.Run(t, "s6-rc-init", "-p", "x-", "-c", s.db, "-l", s.live, s.scan)
		mustCode(t, "other prefix", r, 102)
		// the live link was deleted: the running directory is recovered
		real, _ := os.Readlink(s.live)
		os.Remove(s.live)
		r = harness.Run(t, "s6-rc-init", "-c", s.db, "-l", s.live, s.scan)
		mustCode(t, "recovering init", r, 0)
		if want := "s6-rc-init: info: s6-rc already running on " + filepath.Join(s.dir, real) + " - recovering it\n"; r.Stderr != want {
			t.Errorf("recovery: %q, want %q", r.Stderr, want)
		}
		if l, _ := os.Readlink(s.live); l != real {
			t.Errorf("live -> %q, want %q", l, real)
		}
		mustCode(t, "list after recovery", s.rc("list"), 0)
		// a second live dir with a prefix on the same scandir
		live2 := filepath.Join(s.dir, "live2")
		mustCode(t, "init -p", harness.Run(t, "s6-rc-init", "-p", "rc-", "-c", s.db, "-l", live2, s.scan), 0)
		if p, _ := os.ReadFile(filepath.Join(live2, "prefix")); string(p) != "rc-" {
			t.Errorf("prefix file %q", p)
		}
		if r := harness.Run(t, harness.RealS6(t, "s6-svok"), filepath.Join(s.scan, "rc-l")); r.Code != 0 {
			t.Errorf("rc-l not supervised")
		}
		mustCode(t, "change l via live2", harness.Run(t, "s6-rc", "-l", live2, "change", "l"), 0)
		if r := harness.Run(t, harness.RealS6(t, "s6-svstat"), "-o", "up", filepath.Join(s.scan, "rc-l")); r.Stdout != "true\n" {
			t.Errorf("rc-l not up: %q", r.Stdout)
		}
		other := filepath.Join(s.dir, "scan2")
		os.Mkdir(other, 0o755)
		r = harness.Run(t, "s6-rc-init", "-c", s.db, "-l", s.live, s.scan+"/")
		if r.Code != 102 {
			t.Errorf("other scandir spelling: %d %s", r.Code, r.Stderr)
		}
	})
}

func TestRcInitBadBootDB(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		s.write(map[string]string{"o/type": "oneshot\n", "o/up": "true\n"})
		s.compile()
		s.boot(sc)
		live2 := filepath.Join(s.dir, "live2")
		r := harness.Run(t, "s6-rc-init", "-c", filepath.Join(s.dir, "nope"), "-l", live2, s.scan)
		mustCode(t, "missing bootdb", r, 111)
		if !strings.Contains(r.Stderr, "unable to open "+filepath.Join(s.dir, "nope")) {
			t.Errorf("stderr %q", r.Stderr)
		}
		os.WriteFile(filepath.Join(s.db, "db"), []byte("s6box-rcdb 2\ncrc64 0000000000000000\n{}"), 0o644)
		r = harness.Run(t, "s6-rc-init", "-c", s.db, "-l", live2, s.scan)
		mustCode(t, "corrupt bootdb", r, 4)
		if !strings.Contains(r.Stderr, "checksum mismatch") {
			t.Errorf("corrupt bootdb: stderr %q", r.Stderr)
		}
		if _, err := os.Lstat(live2); err == nil {
			t.Errorf("live dir created from a corrupt db")
		}
	})
}
