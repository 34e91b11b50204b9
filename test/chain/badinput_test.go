package chain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/core/setlock"
	"s6box/test/harness"
)

// TestBadInputExitCodes runs each bad command line with our applets and with
// Debian's s6 tools: the exit codes must be equal, and ours must say what
// was wrong (the word given in want appears in the message).
func TestBadInputExitCodes(t *testing.T) {
	harness.RealS6(t, "s6-envdir")
	w := newWorld(t)
	harness.WriteFile(t, filepath.Join(w.dir, "noexec"), "#!/bin/sh\n", 0o644)
	harness.WriteFile(t, filepath.Join(w.dir, "Esub", "A"), "a\n", 0o644)
	os.Mkdir(filepath.Join(w.dir, "Esub", "SUB"), 0o755)
	harness.WriteFile(t, filepath.Join(w.dir, "Eunreadable", "SECRET"), "x\n", 0o600)
	os.Chmod(filepath.Join(w.dir, "Eunreadable"), 0o755)
	harness.WriteFile(t, filepath.Join(w.dir, "Ehuge", "HUGE"), strings.Repeat("h", 1<<20)+"\n", 0o644)
	harness.WriteFile(t, filepath.Join(w.dir, "Eeq", "A=B"), "x\n", 0o644)
	held := filepath.Join(w.dir, "held")
	fd, err := setlock.Lock(held, setlock.Options{NoWait: true})
	if err != nil {
		t.Fatal(err)
	}
	defer syscallClose(fd)

	cases := []struct {
		name string
		argv []string
		code int    // expected (and checked against real s6)
		want string // part of our message
	}{
		{"envdir-missing", []string{"s6-envdir", "@D/nope", "true"}, 111, "@D/nope"},
		{"envdir-I-missing", []string{"s6-envdir", "-I", "@D/nope", "true"}, 0, ""},
		{"envdir-subdir", []string{"s6-envdir", "@D/Esub", "true"}, 111, "SUB"},
		{"envdir-unreadable", []string{"s6-setuidgid", "nobody", "s6-envdir", "@D/Eunreadable", "true"}, 111, "SECRET"},
		{"envdir-huge", []string{"s6-envdir", "@D/Ehuge", "sh", "-c", `[ ${#HUGE} -eq 4095 ]`}, 0, ""},
		// One variable of 1 MiB is more than execve takes: E2BIG → 126.
		{"envdir-huge-L", []string{"s6-envdir", "-L", "@D/Ehuge", "sh", "-c", "true"}, 126, "Argument list too long"},
		{"envdir-eq-name", []string{"s6-envdir", "@D/Eeq", "sh", "-c", `! env | grep -q '^A='`}, 0, ""},
		{"envdir-c-empty", []string{"s6-envdir", "-c", "", "@E", "true"}, 111, "-c"},
		{"envdir-usage", []string{"s6-envdir", "@E"}, 100, "usage"},
		{"envuidgid-unknown", []string{"s6-envuidgid", "no-such-user-q", "true"}, 1, "no-such-user-q"},
		{"envuidgid-unknown-group", []string{"s6-envuidgid", "-g", "no-such-group-q", "true"}, 1, "no-such-group-q"},
		{"envuidgid-B-unknown", []string{"s6-envuidgid", "-B", "nobody:no-such-group-q", "true"}, 1, "no-such-group-q"},
		{"envuidgid-n-unknown", []string{"s6-envuidgid", "-n", "no-such-user-q", "true"}, 1, "no-such-user-q"},
		{"setuidgid-unknown", []string{"s6-setuidgid", "no-such-user-q", "true"}, 1, "no-such-user-q"},
		{"setuidgid-bad-numeric", []string{"s6-setuidgid", "5:x", "true"}, 100, "5:x"},
		{"applyuidgid-U-unset", []string{"s6-applyuidgid", "-U", "true"}, 100, "not set"},
		{"applyuidgid-bad-uid", []string{"s6-applyuidgid", "-u", "x1", "true"}, 100, "x1"},
		{"softlimit-letters", []string{"s6-softlimit", "-o", "x", "true"}, 100, "x"},
		{"softlimit-overflow", []string{"s6-softlimit", "-o", "99999999999999999999999", "true"}, 100, "99999999999999999999999"},
		{"softlimit-negative", []string{"s6-softlimit", "-o", "-1", "true"}, 100, "-1"},
		{"softlimit-hard-below-soft", []string{"s6-softlimit", "-h", "-o", "100", "true"}, 111, "-o"},
		{"softlimit-hard-infinity", []string{"s6-softlimit", "-h", "-o", "=", "true"}, 111, "-o"},
		{"softlimit-clamped", []string{"s6-softlimit", "-o", "99999999999", "sh", "-c", `[ "$(ulimit -Sn)" = "$(ulimit -Hn)" ]`}, 0, ""},
		{"exec-missing", []string{"s6-envdir", "@E", "@D/no-such-prog"}, 127, "no-such-prog"},
		{"exec-noperm", []string{"s6-softlimit", "-c", "0", "@D/noexec"}, 126, "noexec"},
		{"exec-directory", []string{"s6-setsid", "@D"}, 126, "@D"},
		{"setlock-busy-n", []string{"s6-setlock", "-n", "@D/held", "true"}, 1, "held"},
		{"setlock-busy-t", []string{"s6-setlock", "-t", "200", "@D/held", "true"}, 1, "held"},
		{"setlock-busy-t0", []string{"s6-setlock", "-t", "0", "@D/held", "true"}, 1, "held"},
		{"setlock-r-busy", []string{"s6-setlock", "-n", "-r", "@D/held", "true"}, 1, "held"},
		{"setlock-nodir", []string{"s6-setlock", "@D/nodir/lock", "true"}, 111, "nodir"},
		{"setsid-f-i-notty", []string{"s6-setsid", "-f", "-i", "true"}, 111, "tcsetpgrp"},
		{"setsid-f-notty", []string{"s6-setsid", "-f", "true"}, 0, "tcsetpgrp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			argv := make([]string, len(c.argv))
			rep := strings.NewReplacer("@E", w.env, "@D", w.dir)
			for i, a := range c.argv {
				argv[i] = rep.Replace(a)
			}
			want := rep.Replace(c.want)
			for _, v := range variants(t) {
				r := run(t, v, w, argv...)
				if r.Code != c.code {
					t.Errorf("%s: %v: exit %d, want %d\n%s", v.name, argv, r.Code, c.code, r.Stderr)
				}
				if v.name != "real-s6" && want != "" && !strings.Contains(r.Stderr, want) {
					t.Errorf("%s: message %q does not name %q", v.name, r.Stderr, want)
				}
				if v.name != "real-s6" && c.code != 0 && c.code != 100 && !strings.Contains(r.Stderr, ": fatal: ") {
					t.Errorf("%s: message %q is not PROG: fatal: ...", v.name, r.Stderr)
				}
			}
		})
	}
}

// A setlock lock is held by the final program and released when it exits.
func TestSetlockHeldByProgram(t *testing.T) {
	w := newWorld(t)
	lockf := filepath.Join(w.dir, "lk")
	v := variants(t)[0]
	cmd := harness.Command(t, "s6-setlock", lockf, "s6-envdir", w.env, "sleep", "30")
	cmd.Env = append(cmd.Env, "PATH="+v.path)
	p := harness.Start(t, cmd)
	harness.Eventually(t, 20*time.Second, "lock taken", func() bool {
		r := run(t, v, w, "s6-setlock", "-n", lockf, "true")
		return r.Code == 1
	})
	// Real s6 sees it too.
	if r := run(t, variants(t)[2], w, "s6-setlock", "-n", lockf, "true"); r.Code != 1 {
		t.Fatalf("real s6-setlock got the lock: %d", r.Code)
	}
	p.Stop(5 * time.Second)
	if r := run(t, v, w, "s6-setlock", "-n", lockf, "true"); r.Code != 0 {
		t.Fatalf("lock not released: %d %s", r.Code, r.Stderr)
	}
}
