package linuxinit

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func baseMaker() MakerConfig {
	return MakerConfig{BaseDir: "/etc/s6-linux-init/current", Binary: "/usr/bin/s6box", Verbosity: 1,
		Timestamps: 1, Path: "/usr/bin:/bin", Umask: 0o22, GraceMs: 3000, InitDefault: "default", RunDir: "/run"}
}

func readWords(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseRunscript(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(w, " ")
}

// s6-linux-init-maker's options that reach bin/init and the logger.
func TestMakerUpstreamOptions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "tree") // parents are created
	passwd := filepath.Join(t.TempDir(), "passwd")
	os.WriteFile(passwd, []byte("root:x:0:0::/:/bin/sh\ncatchlog:x:4321:4322::/:/bin/false\n"), 0o644)
	c := baseMaker()
	c.DevDir, c.EnvStore, c.Rlimits, c.LogUser, c.Passwd = "/dev", "/run/kenv", "o2000,c0,d=", "catchlog", passwd
	c.Getty = "/sbin/getty 38400 ttyS0"
	if err := Make(dir, c); err != nil {
		t.Fatal(err)
	}
	want := "init -c /etc/s6-linux-init/current -v 1 -m 022 -p /usr/bin:/bin -g 3000 -D default -R /run -d /dev -s /run/kenv -H o2000,c0,d= -- $@"
	if got := readWords(t, filepath.Join(dir, "bin/init")); got != want {
		t.Errorf("bin/init:\n got %s\nwant %s", got, want)
	}
	if got := readWords(t, filepath.Join(dir, "run-image/service/s6-svscan-log/run")); got != "init-logger fifo setuidgid catchlog log -b -- t /run/uncaught-logs" {
		t.Errorf("logger run: %s", got)
	}
	if os.Geteuid() == 0 {
		st, err := os.Stat(filepath.Join(dir, "run-image/uncaught-logs"))
		if err != nil {
			t.Fatal(err)
		}
		if uid, gid := ownerOf(st); uid != 4321 || gid != 4322 || st.Mode()&os.ModeSetgid == 0 {
			t.Errorf("uncaught-logs: %d:%d %v", uid, gid, st.Mode())
		}
	}
	if got := readWords(t, filepath.Join(dir, "run-image/service", EarlyGettyService, "run")); got != "/sbin/getty 38400 ttyS0" {
		t.Errorf("early getty: %s", got)
	}
	// bin/ holds small scripts that work wherever they are copied.
	for _, n := range ShutdownCommands {
		p := filepath.Join(dir, "bin", n)
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || st.Size() > 200 {
			t.Errorf("bin/%s is not a small regular file: %v %v", n, st, err)
			continue
		}
		if got := readWords(t, p); got != n+" $@" {
			t.Errorf("bin/%s runs %q", n, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "scripts/rc.shutdown.final")); err != nil {
		t.Errorf("no rc.shutdown.final: %v", err)
	}
}

func TestMakerBadOptions(t *testing.T) {
	for _, mod := range []func(*MakerConfig){
		func(c *MakerConfig) { c.DevDir = "dev" },
		func(c *MakerConfig) { c.EnvStore = "run/env" },
		func(c *MakerConfig) { c.Rlimits = "o" },
		func(c *MakerConfig) { c.Rlimits = "z5" },
		func(c *MakerConfig) { c.Rlimits = "o12x" },
		func(c *MakerConfig) { c.Timestamps = 4 },
		func(c *MakerConfig) { c.BaseDir = "relative" },
	} {
		c := baseMaker()
		mod(&c)
		dir := filepath.Join(t.TempDir(), "tree")
		var bad *MakerError
		if err := Make(dir, c); !errors.As(err, &bad) {
			t.Errorf("%+v: %v, want a MakerError", c, err)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%+v: a tree was left behind", c)
		}
	}
}

// The skeletons end in commented hooks: lines appended with cat >> (the
// guide's edits) run.
func TestSkeletonsRunAppendedLines(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := filepath.Join(t.TempDir(), "tree")
	if err := Make(dir, baseMaker()); err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{"rc.init": {"default", "quiet"}, "runlevel": {"3"}, "rc.shutdown": nil, "rc.shutdown.final": nil} {
		p := filepath.Join(dir, "scripts", name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, append(b, []byte("echo \"APPENDED ${rl-} $*\"\n")...), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(sh, append([]string{p}, args...)...).CombinedOutput()
		want := "APPENDED "
		switch name {
		case "rc.init":
			want = "APPENDED default quiet"
		case "runlevel":
			want = "APPENDED  3"
		}
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("%s: appended line did not run (%v): %q", name, err, out)
		}
	}
}

// -f: the scripts come from the skeleton directory; a missing mandatory one
// is an error naming it, a missing rc.shutdown.final is not.
func TestMakerSkelDir(t *testing.T) {
	skel := t.TempDir()
	for _, n := range []string{"rc.init", "rc.shutdown", "runlevel"} {
		os.WriteFile(filepath.Join(skel, n), []byte("#!/bin/sh\n# mine: "+n+"\n"), 0o644)
	}
	c := baseMaker()
	c.SkelDir = skel
	dir := filepath.Join(t.TempDir(), "tree")
	if err := Make(dir, c); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"rc.init", "rc.shutdown", "runlevel"} {
		b, err := os.ReadFile(filepath.Join(dir, "scripts", n))
		st, _ := os.Stat(filepath.Join(dir, "scripts", n))
		if err != nil || string(b) != "#!/bin/sh\n# mine: "+n+"\n" || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %q %v", n, b, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "scripts/rc.shutdown.final")); err == nil {
		t.Error("rc.shutdown.final made up although the skeleton has none")
	}
	os.Remove(filepath.Join(skel, "runlevel"))
	err := Make(filepath.Join(t.TempDir(), "tree2"), c)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(skel, "runlevel")) {
		t.Errorf("missing runlevel: %v", err)
	}
}

func TestParseRlimits(t *testing.T) {
	ls, err := ParseRlimits("o2000,d=,c0")
	if err != nil || len(ls) != 3 || ls[0].Value != 2000 || ls[1].Value != ^uint64(0) || ls[2].Value != 0 {
		t.Fatalf("%+v %v", ls, err)
	}
	for _, bad := range []string{",", "o", "q1", "o-1", "o2000,", "=5"} {
		if _, err := ParseRlimits(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func ownerOf(st os.FileInfo) (int, int) {
	s := st.Sys().(*syscall.Stat_t)
	return int(s.Uid), int(s.Gid)
}
