package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

func TestUpdate(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		daemon := "#!/bin/sh\nexec sleep 1000\n"
		s.write(map[string]string{
			"keep/type": "longrun\n", "keep/run": daemon,
			"chg/type": "longrun\n", "chg/run": daemon,
			"gone/type": "longrun\n", "gone/run": daemon,
			"old/type": "longrun\n", "old/run": daemon,
			"o1/type": "oneshot\n", "o1/up": "echo o1 up\n", "o1/down": "echo o1 down\n",
			"all/type": "bundle\n", "all/contents": "keep\nchg\ngone\nold\no1\n",
		})
		s.compile()
		s.boot(sc)
		mustCode(t, "change all", s.rc("change", "all"), 0)
		pid := func(name string) uint64 {
			st, err := status.Read(filepath.Join(s.live, "servicedirs", name))
			if err != nil {
				return 0
			}
			return st.PID
		}
		keepPid, chgPid, oldPid := pid("keep"), pid("chg"), pid("old")
		if keepPid == 0 || chgPid == 0 || oldPid == 0 {
			t.Fatalf("daemons not up: %d %d %d", keepPid, chgPid, oldPid)
		}
		src2 := filepath.Join(s.dir, "src2")
		writeTree(t, src2, map[string]string{
			"keep/type": "longrun\n", "keep/run": daemon,
			"chg/type": "longrun\n", "chg/run": "#!/bin/sh\nexec sleep 2000\n",
			"new/type": "longrun\n", "new/run": daemon,
			"added/type": "longrun\n", "added/run": daemon,
			"o1/type": "oneshot\n", "o1/up": "echo o1 up\n", "o1/down": "echo o1 down\n",
			"all/type": "bundle\n", "all/contents": "keep\nchg\nnew\no1\nadded\n",
		})
		db2 := filepath.Join(s.dir, "compiled2")
		mustCode(t, "compile v2", harness.Run(t, "s6-rc-compile", db2, src2), 0)
		conv := filepath.Join(s.dir, "conv")
		harness.WriteFile(t, conv, "old -> new\n", 0o644)

		r := harness.Run(t, "s6-rc-update", "-n", "-l", s.live, "-f", conv, db2)
		mustCode(t, "update -n", r, 0)
		dl := lines(r.Stdout)
		if len(dl) != 2 || !strings.HasPrefix(dl[0], "s6-rc-dryrun: s6-rc -v 1 -t 0 -l "+s.live+" -d") || !strings.HasSuffix(dl[0], "-d -- change chg gone") || !strings.Contains(dl[1], "-u -- change") ||
			!strings.Contains(dl[1], " new") || strings.Contains(dl[1], "added") {
			t.Errorf("dry run:\n%s", r.Stdout)
		}
		if pid("chg") != chgPid {
			t.Errorf("dry run restarted chg")
		}

		r = harness.Run(t, "s6-rc-update", "-v2", "-l", s.live, "-f", conv, db2)
		mustCode(t, "update", r, 0)
		if strings.Contains(r.Stdout, "o1 down") {
			t.Errorf("unchanged oneshot o1 was restarted")
		}
		if !strings.Contains(r.Stderr, "successfully switched to new database") {
			t.Errorf("stderr %s", r.Stderr)
		}
		if got, _ := os.Readlink(filepath.Join(s.live, "compiled")); got != db2 {
			t.Errorf("live/compiled -> %q", got)
		}
		if pid("keep") != keepPid {
			t.Errorf("keep was restarted (%d -> %d)", keepPid, pid("keep"))
		}
		if pid("new") != oldPid {
			t.Errorf("renamed old -> new was restarted (%d -> %d)", oldPid, pid("new"))
		}
		if p := pid("chg"); p == 0 || p == chgPid {
			t.Errorf("changed chg not restarted: %d -> %d", chgPid, p)
		}
		if _, err := os.Lstat(filepath.Join(s.scan, "gone")); err == nil {
			t.Errorf("gone still linked in the scandir")
		}
		if _, err := os.Lstat(filepath.Join(s.scan, "old")); err == nil {
			t.Errorf("old still linked in the scandir")
		}
		if r := harness.Run(t, harness.RealS6(t, "s6-svok"), filepath.Join(s.scan, "new")); r.Code != 0 {
			t.Errorf("new is not supervised")
		}
		if r := s.rc("-a", "list"); !eq(sorted(lines(r.Stdout)), []string{"chg", "keep", "new", "o1", "s6rc-oneshot-runner"}) {
			t.Errorf("up after update: %q", r.Stdout)
		}
		harness.Eventually(t, 20*time.Second, "added supervised", func() bool {
			return harness.Run(t, harness.RealS6(t, "s6-svok"), filepath.Join(s.scan, "added")).Code == 0
		})
		mustCode(t, "change all on the new db", s.rc("change", "all"), 0)
		if pid("added") == 0 {
			t.Errorf("added not started")
		}
		if r := s.rc("diff"); r.Code != 0 {
			t.Errorf("diff after update: %q", r.Stdout)
		}
		// conversion file errors
		harness.WriteFile(t, conv, "nope -> x\n", 0o644)
		if r := harness.Run(t, "s6-rc-update", "-l", s.live, "-f", conv, s.db); r.Code != 3 {
			t.Errorf("unknown old name: %d %s", r.Code, r.Stderr)
		}
		harness.WriteFile(t, conv, "all -> x\n", 0o644)
		if r := harness.Run(t, "s6-rc-update", "-l", s.live, "-f", conv, s.db); r.Code != 5 {
			t.Errorf("bundle in convfile: %d %s", r.Code, r.Stderr)
		}
		harness.WriteFile(t, conv, "keep\nkeep restart\n", 0o644)
		if r := harness.Run(t, "s6-rc-update", "-l", s.live, "-f", conv, s.db); r.Code != 6 {
			t.Errorf("listed twice: %d %s", r.Code, r.Stderr)
		}
	})
}

// A pipeline whose consumer is renamed by the conversion file: the pipe
// follows the rename and data keeps flowing.
func TestUpdateRenamedPipeline(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		out := filepath.Join(s.dir, "out")
		prod := "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo \"line $i\"; sleep 0.05; done\n"
		logrun := "#!/bin/sh\nexec cat >> " + out + "\n"
		s.write(map[string]string{
			"prod/type": "longrun\n", "prod/producer-for": "logA\n", "prod/run": prod,
			"logA/type": "longrun\n", "logA/consumer-for": "prod\n", "logA/pipeline-name": "pl\n", "logA/run": logrun,
		})
		s.compile()
		s.boot(sc)
		mustCode(t, "change pl", s.rc("change", "pl"), 0)
		count := func() int {
			b, _ := os.ReadFile(out)
			return strings.Count(string(b), "line ")
		}
		harness.Eventually(t, 20*time.Second, "data through logA", func() bool { return count() >= 3 })
		src2 := filepath.Join(s.dir, "src2")
		writeTree(t, src2, map[string]string{
			"prod/type": "longrun\n", "prod/producer-for": "logB\n", "prod/run": prod,
			"logB/type": "longrun\n", "logB/consumer-for": "prod\n", "logB/pipeline-name": "pl\n", "logB/run": logrun,
		})
		db2 := filepath.Join(s.dir, "compiled2")
		mustCode(t, "compile v2", harness.Run(t, "s6-rc-compile", db2, src2), 0)
		conv := filepath.Join(s.dir, "conv")
		harness.WriteFile(t, conv, "logA -> logB\n", 0o644)
		r := harness.Run(t, "s6-rc-update", "-l", s.live, "-f", conv, db2)
		mustCode(t, "update", r, 0)
		if r.Stderr != "" {
			t.Errorf("update stderr: %s", r.Stderr)
		}
		if r := s.rc("-a", "list"); !eq(sorted(lines(r.Stdout)), []string{"logB", "prod", "s6rc-fdholder"}) {
			t.Errorf("up after update: %q", r.Stdout)
		}
		n := count()
		harness.Eventually(t, 20*time.Second, "data through logB after the update", func() bool { return count() >= n+5 })
	})
}
