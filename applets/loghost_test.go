package applets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// planFixture makes a fake multicall binary with an applet farm of
// symlinks, a foreign program, and a service directory.
func planFixture(t *testing.T) (self, bin, svc string) {
	t.Helper()
	root := t.TempDir()
	self = filepath.Join(root, "s6box")
	bin = filepath.Join(root, "bin")
	svc = filepath.Join(root, "svc", "log")
	for _, d := range []string{bin, svc, filepath.Join(svc, "env")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(self, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"s6-log", "s6-setuidgid", "s6-envdir", "s6-softlimit", "execlineb", "fdmove", "s6box"} {
		if err := os.Symlink(self, filepath.Join(bin, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "other-log"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(svc, "env", "FOO"), []byte("bar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return self, bin, svc
}

func TestLogPlanner(t *testing.T) {
	self, bin, svc := planFixture(t)
	p := newLogPlanner(self, 0o022)
	env := []string{"PATH=" + bin + ":/usr/bin:/bin"}
	type want struct {
		hosted  bool
		stderr  int
		logdir  string
		uid     int // -1: no credentials
		env     string
		prefix  []string
		backpr  bool
		notify  int
		verbose int
	}
	no := want{}
	yes := func(w want) want { w.hosted = true; return w }
	base := want{stderr: 2, logdir: "/x", uid: -1, notify: -1, verbose: 1}
	with := func(f func(*want)) want { w := base; f(&w); return yes(w) }
	cases := []struct {
		name, run string
		mode      os.FileMode
		want      want
	}{
		{"sh", "#!/bin/sh\nexec s6-log n3 t /x\n", 0o755, yes(base)},
		{"sh relative logdir", "#!/bin/sh\nexec s6-log n3 ./main\n", 0o755, with(func(w *want) { w.logdir = svc + "/main" })},
		{"sh 2>&1 and comments", "#!/bin/sh\n# the logger\n\nexec 2>&1\nexec s6-log -b -d3 -v n3 /x # done\n", 0o755,
			with(func(w *want) { w.stderr, w.backpr, w.notify, w.verbose = 1, true, 3, 2 })},
		{"sh quoted directives", "#!/bin/sh\nexec s6-log -- '-.*debug.*' \"+x\" /x\n", 0o755, yes(base)},
		{"sh -e", "#!/bin/sh -e\nexec s6-log /x\n", 0o755, yes(base)},
		{"sh absolute program", "#!/bin/sh\nexec " + bin + "/s6-log /x\n", 0o755, yes(base)},
		{"sh multicall", "#!/bin/sh\nexec s6box log /x\n", 0o755, yes(base)},
		{"sh variable", "#!/bin/sh\nexec s6-log $DIR\n", 0o755, no},
		{"sh glob", "#!/bin/sh\nexec s6-log -* /x\n", 0o755, no},
		{"sh two commands", "#!/bin/sh\necho hi\nexec s6-log /x\n", 0o755, no},
		{"sh after exec", "#!/bin/sh\nexec s6-log /x\necho never\n", 0o755, no},
		{"sh separator", "#!/bin/sh\nexec s6-log /x; true\n", 0o755, no},
		{"sh redirection", "#!/bin/sh\nexec s6-log /x 2>/dev/null\n", 0o755, no},
		{"sh no exec", "#!/bin/sh\ns6-log /x\n", 0o755, no},
		{"sh foreign logger", "#!/bin/sh\nexec other-log /x\n", 0o755, no},
		{"bash", "#!/bin/bash\nexec s6-log /x\n", 0o755, no},
		{"not executable", "#!/bin/sh\nexec s6-log /x\n", 0o644, no},
		{"bad script", "#!/bin/sh\nexec s6-log n3\n", 0o755, no},
		{"setuidgid", "#!/bin/sh\nexec s6-setuidgid 123:456 s6-log /x\n", 0o755, with(func(w *want) { w.uid = 123 })},
		{"two setuidgid", "#!/bin/sh\nexec s6-setuidgid 1:1 s6-setuidgid 2:2 s6-log /x\n", 0o755, no},
		{"envdir", "#!/bin/sh\nexec s6-envdir env s6-log /x\n", 0o755, with(func(w *want) { w.env = "FOO=bar" })},
		{"envdir -I missing", "#!/bin/sh\nexec s6-envdir -I nothere s6-log /x\n", 0o755, yes(base)},
		{"softlimit", "#!/bin/sh\nexec s6-softlimit -m 1000000 s6-log /x\n", 0o755,
			with(func(w *want) { w.prefix = []string{p.self, "softlimit", "-m", "1000000", "--"} })},
		{"execline", "#!" + bin + "/execlineb -P\ns6-setuidgid 7:7\ns6-log n3 /x\n", 0o755, with(func(w *want) { w.uid = 7 })},
		{"execline fdmove", "#!" + bin + "/execlineb -P\nfdmove -c 2 1 s6-log /x\n", 0o755, with(func(w *want) { w.stderr = 1 })},
		{"execline block", "#!" + bin + "/execlineb -P\nforeground { true } s6-log /x\n", 0o755, no},
		{"execline without -P", "#!" + bin + "/execlineb\ns6-log /x\n", 0o755, no},
		{"runscript", "#!" + self + " runscript\ns6-log n3 /x\n", 0o755, yes(base)},
		{"runscript args", "#!" + self + " runscript\ns6-log n3 /x $@\n", 0o755, no},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := filepath.Join(svc, "run")
			os.Remove(run)
			if err := os.WriteFile(run, []byte(c.run), c.mode); err != nil {
				t.Fatal(err)
			}
			plan, err := p.Plan(svc, svc, env)
			if !c.want.hosted {
				if plan != nil {
					t.Fatalf("hosted, want a process (err %v)", err)
				}
				return
			}
			if plan == nil {
				t.Fatalf("not hosted: %v", err)
			}
			w := c.want
			cfg := plan.Config
			if plan.StderrFd != w.stderr || cfg.Backpressure != w.backpr || cfg.NotifyFd != w.notify || cfg.Verbosity != w.verbose {
				t.Errorf("stderr %d backpressure %v notify %d verbosity %d; want %+v", plan.StderrFd, cfg.Backpressure, cfg.NotifyFd, cfg.Verbosity, w)
			}
			if len(cfg.Script.Logdirs) != 1 || cfg.Script.Logdirs[0].Dir != w.logdir {
				t.Errorf("logdirs %+v, want %s", cfg.Script.Logdirs, w.logdir)
			}
			if (plan.Cred == nil) != (w.uid < 0) || plan.Cred != nil && int(plan.Cred.Uid) != w.uid {
				t.Errorf("credentials %+v, want uid %d", plan.Cred, w.uid)
			}
			if w.env != "" && !slices.Contains(plan.Env, w.env) {
				t.Errorf("environment %q lacks %s", plan.Env, w.env)
			}
			if !slices.Equal(plan.ProcPrefix, w.prefix) {
				t.Errorf("processor prefix %q, want %q", plan.ProcPrefix, w.prefix)
			}
			if cfg.Perm != 0o644 {
				t.Errorf("perm %o, want 644", cfg.Perm)
			}
		})
	}
}
