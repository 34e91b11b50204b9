package s6tools

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// tree lists a directory's entries (relative path and permission bits).
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, rel+" "+fi.Mode().String())
		return nil
	})
	sort.Strings(out)
	return out
}

// TestInstanceMakerLikeReal: the tree s6-instance-maker writes has the
// same files, modes and data files as Debian's; the scripts differ only
// in naming our binary (checked by running them in TestInstances).
func TestInstanceMakerLikeReal(t *testing.T) {
	real := harness.RealS6(t, "s6-instance-maker")
	dir := t.TempDir()
	service(t, filepath.Join(dir, "tmpl"), "exec sleep 100")
	harness.WriteFile(t, filepath.Join(dir, "tmpl", "notification-fd"), "3\n", 0o644)
	for _, args := range [][]string{
		{"-c", "10"},
		{"-u", "nobody", "-l", "daemon", "-L", "/var/log/x", "-t", "3", "-n", "5", "-s", "2000", "-S", "9000", "-P", "pfx"},
		{"-r", "svc/lg/pl", "-L", "/var/log/y"},
		{"-r", "svc"},
	} {
		a := append(append([]string{}, args...), "tmpl", "ours")
		b := append(append([]string{}, args...), "tmpl", "theirs")
		mustRun(t, dir, "s6-instance-maker", a...)
		mustRun(t, dir, real, b...)
		ours, theirs := tree(t, filepath.Join(dir, "ours")), tree(t, filepath.Join(dir, "theirs"))
		rcRunModes(theirs)
		if args[0] == "-r" {
			// upstream leaves instance/ and instances/ to
			// s6-instance-create; we make them, so the scanner can start
			// before the first instance
			var kept []string
			for _, e := range ours {
				if !strings.Contains(e, "/instance ") && !strings.Contains(e, "/instances ") {
					kept = append(kept, e)
				}
			}
			ours = kept
		}
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("%q:\nours:\n%s\nreal:\n%s", args, strings.Join(ours, "\n"), strings.Join(theirs, "\n"))
		}
		for _, e := range theirs {
			f := strings.Fields(e)[0]
			if strings.HasSuffix(f, "run") || strings.HasPrefix(e, ". ") || strings.Contains(e, " d") {
				continue
			}
			x, _ := os.ReadFile(filepath.Join(dir, "ours", f))
			y, _ := os.ReadFile(filepath.Join(dir, "theirs", f))
			if string(x) != string(y) {
				t.Errorf("%q: %s: ours %q, real %q", args, f, x, y)
			}
		}
		// the logger's command line carries the same s6-log script
		if lr, err := os.ReadFile(filepath.Join(dir, "theirs", "log", "run")); err == nil {
			mine, _ := os.ReadFile(filepath.Join(dir, "ours", "log", "run"))
			// (the words of this script need no quotes; upstream quotes the logdir)
			script := strings.ReplaceAll(string(lr)[strings.Index(string(lr), "-bd3 -- "):], `"`, "")
			if !strings.Contains(string(mine), strings.TrimSpace(script)) {
				t.Errorf("%q: log/run %q lacks %q", args, mine, script)
			}
		}
		os.RemoveAll(filepath.Join(dir, "ours"))
		os.RemoveAll(filepath.Join(dir, "theirs"))
	}
	for _, args := range [][]string{
		{"tmpl"}, {"-L", "rel", "tmpl", "x"}, {"-t", "4", "-L", "/a", "tmpl", "x"},
		{"-r", "a", "-L", "/x", "tmpl", "x"}, {"-r", "a/", "tmpl", "x"}, {"-u", "a b", "tmpl", "x"},
		{"-c", "x", "tmpl", "x"}, {"nonexistent", "x"},
	} {
		sameFresh(t, dir, filepath.Join(dir, "x"), "s6-instance-maker", args...)
	}
}

// TestInstances drives the whole flow through the binary under our
// scanner, in-process and with supervise processes (-P): make an
// instanced service, link it in, create instances (up, -D), control them,
// read their status (ours, svstat --json, and Debian's s6-instance-status
// against our tree), list, delete; Debian's instance tools work on the
// same tree.
func TestInstances(t *testing.T) {
	for _, mode := range [][]string{nil, {"-P"}} {
		t.Run("svscan"+strings.Join(mode, ""), func(t *testing.T) {
			root := t.TempDir()
			scan := scanDir(t, root, mode...)
			tmpl := filepath.Join(root, "tmpl")
			// the instance's run gets its name as first argument
			service(t, tmpl, `echo "$1" > ../../seen-"$1"; exec sleep 100`)
			mustRun(t, root, "s6-instance-maker", "-c", "10", tmpl, filepath.Join(root, "inst"))
			mustRun(t, root, "s6-svlink", "-t", "10000", scan, filepath.Join(root, "inst"))
			sv := filepath.Join(scan, "inst")
			waitListening(t, filepath.Join(sv, "instance", ".s6-svscan", "control"))

			mustRun(t, root, "s6-instance-create", "-t", "10000", sv, "one")
			mustRun(t, root, "instance-create", "-D", "-t", "10000", sv, "two")
			harness.Eventually(t, 10*time.Second, "instance one up", func() bool {
				return run(t, root, "s6-instance-status", "-o", "up", sv, "one").Stdout == "true\n"
			})
			// "up" means run was spawned; its shell writes the file a moment later.
			harness.Eventually(t, 10*time.Second, "instance one's run given its name", func() bool {
				b, _ := os.ReadFile(filepath.Join(root, "inst", "seen-one"))
				return string(b) == "one\n"
			})
			if r := mustRun(t, root, "s6-instance-list", sv); strings.Join(sorted(lines(r.Stdout)), " ") != "one two" {
				t.Errorf("list: %q", r.Stdout)
			}
			if r := run(t, root, "s6-instance-status", "-o", "up,normallyup", sv, "two"); r.Stdout != "false false\n" {
				t.Errorf("instance two (-D): %q %q", r.Stdout, r.Stderr)
			}
			// svstat --json on an instance
			r := mustRun(t, root, "svstat", "--json", filepath.Join(sv, "instance", "one"))
			var js map[string]any
			if err := json.Unmarshal([]byte(r.Stdout), &js); err != nil || js["state"] != "up" {
				t.Errorf("svstat --json: %v %q", err, r.Stdout)
			}
			if r := mustRun(t, root, "s6-instance-status", "--json", sv, "one"); !strings.Contains(r.Stdout, `"state":"up"`) {
				t.Errorf("instance-status --json: %q", r.Stdout)
			}
			// control: down and wait, then up
			mustRun(t, root, "s6-instance-control", "-wD", "-T", "10000", "-d", sv, "one")
			if r := mustRun(t, root, "s6-instance-status", "-o", "up,wantedup", sv, "one"); r.Stdout != "false false\n" {
				t.Errorf("after -d: %q", r.Stdout)
			}
			mustRun(t, root, "s6-instance-control", "-wu", "-T", "10000", "-u", sv, "two")
			// Debian's tools on our tree
			if harness.Optional(t, "Debian's s6-instance-* tools", harness.Exists("/usr/bin/s6-instance-status")) {
				a := run(t, root, "s6-instance-status", "-o", "up,wantedup,normallyup,paused", sv, "two")
				b := run(t, root, "/usr/bin/s6-instance-status", "-o", "up,wantedup,normallyup,paused", sv, "two")
				if a != b || a.Stdout != "true true false false\n" {
					t.Errorf("status of two: ours %+v, real %+v", a, b)
				}
				mustRun(t, root, "/usr/bin/s6-instance-create", "-t", "10000", sv, "three")
				harness.Eventually(t, 10*time.Second, "instance three up", func() bool {
					return run(t, root, "s6-instance-status", "-o", "up", sv, "three").Stdout == "true\n"
				})
				a, b = run(t, root, "s6-instance-list", sv), run(t, root, "/usr/bin/s6-instance-list", sv)
				if strings.Join(sorted(lines(a.Stdout)), " ") != strings.Join(sorted(lines(b.Stdout)), " ") {
					t.Errorf("list: ours %q, real %q", a.Stdout, b.Stdout)
				}
				mustRun(t, root, "/usr/bin/s6-instance-delete", "-t", "10000", sv, "three")
				for _, c := range [][]string{
					{"s6-instance-create", sv, "one"}, {"s6-instance-create", sv, ".x"},
					{"s6-instance-create", sv, "a b"}, {"s6-instance-list", tmpl},
					{"s6-instance-status", sv, ".x"}, {"s6-instance-delete", sv, ""},
					{"s6-instance-create"}, {"s6-instance-list"},
				} {
					same(t, root, c[0], c[1:]...)
				}
			}
			// delete waits for the supervisor to go and removes the copy
			pid := strings.TrimSpace(mustRun(t, root, "s6-instance-status", "-o", "pid", sv, "two").Stdout)
			mustRun(t, root, "s6-instance-delete", "-t", "10000", sv, "two")
			mustRun(t, root, "instance-delete", "-t", "10000", sv, "one")
			if r := mustRun(t, root, "s6-instance-list", sv); r.Stdout != "" {
				t.Errorf("list after delete: %q", r.Stdout)
			}
			if _, err := os.Stat(filepath.Join(root, "inst", "instances", "two")); err == nil {
				t.Error("instances/two left behind")
			}
			harness.Eventually(t, 10*time.Second, "instance two's daemon gone", func() bool {
				_, err := os.Stat("/proc/" + pid)
				return err != nil
			})
			mustRun(t, root, "s6-svunlink", "-t", "10000", scan, "inst")
		})
	}
}

// rcRunModes: Debian's 2.11 makers write the run files of s6-rc
// definitions (SERVICE/run) without the executable bits, where their
// service directories' run files have them; ours are executable in both
// forms, so the listing of the real tree is adjusted.
func rcRunModes(entries []string) {
	for i, e := range entries {
		f := strings.Fields(e)[0]
		if strings.Count(f, "/") == 1 && strings.HasSuffix(f, "/run") {
			entries[i] = f + " -rwxr-xr-x"
		}
	}
}

func sorted(l []string) []string {
	l = append([]string{}, l...)
	sort.Strings(l)
	return l
}

// TestUsertreeMaker: the files are those of Debian's s6-usertree-maker
// (the run scripts name our binary); as root the run script is run and
// must start a scanner as the user on the user's scan directory.
func TestUsertreeMaker(t *testing.T) {
	real := harness.RealS6(t, "s6-usertree-maker")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"nobody", "/var/log/ut"},
		{"-d", "/run/u/${USER}", "-p", "/bin", "-E", "/etc/env", "-e", "HOME", "-l", "daemon", "-t", "2", "-n", "3", "-s", "5000", "-S", "7000", "-P", "pp", "-r", "ut/utlog/utpipe", "nobody", "/var/log/ut"},
	} {
		mustRun(t, dir, "s6-usertree-maker", append(append([]string{}, args...), "ours")...)
		mustRun(t, dir, real, append(append([]string{}, args...), "theirs")...)
		ours, theirs := tree(t, filepath.Join(dir, "ours")), tree(t, filepath.Join(dir, "theirs"))
		rcRunModes(theirs)
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("%q:\nours:\n%s\nreal:\n%s", args, strings.Join(ours, "\n"), strings.Join(theirs, "\n"))
		}
		os.RemoveAll(filepath.Join(dir, "ours"))
		os.RemoveAll(filepath.Join(dir, "theirs"))
	}
	for _, args := range [][]string{
		{"nobody", "/l"}, {"nobody", "rel", "x"}, {"-d", "rel", "nobody", "/l", "x"},
		{"-t", "9", "nobody", "/l", "x"}, {"-r", "svc", "nobody", "/l", "x"}, {"-e", "A=B", "nobody", "/l", "x"},
	} {
		sameFresh(t, dir, filepath.Join(dir, "x"), "s6-usertree-maker", args...)
	}

	harness.NeedRoot(t, "running the tree as another user")
	// nobody must reach the binary and the scan directory
	os.Chmod(filepath.Dir(harness.Binary(t)), 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	scan := filepath.Join(dir, "userscan")
	os.MkdirAll(scan, 0o755)
	os.Chown(scan, 65534, 65534)
	mustRun(t, dir, "s6-usertree-maker", "-d", scan, "nobody", "/var/log/unused", "ut")
	cmd := exec.Command(filepath.Join(dir, "ut", "run"), "ut")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Dir = filepath.Join(dir, "ut")
	// notification-fd 3, as a supervisor would give it
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	cmd.ExtraFiles = []*os.File{wr}
	p := harness.Start(t, cmd)
	wr.Close()
	waitListening(t, filepath.Join(scan, ".s6-svscan", "control"))
	st := stat(t, filepath.Join(scan, ".s6-svscan", "control"))
	if st.Uid != 65534 {
		t.Errorf("the user's scanner runs as uid %d, want nobody", st.Uid)
	}
	env, _ := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/environ")
	for _, want := range []string{"USER=nobody", "PATH=/usr/bin:/bin", "HOME="} {
		if !strings.Contains(string(env), want) {
			t.Errorf("scanner environment lacks %s: %q", want, env)
		}
	}
	run(t, dir, "svscanctl", "-t", scan)
	if _, ok := p.Wait(10 * time.Second); !ok {
		t.Error("the user's scanner did not exit on svscanctl -t")
	}
}
