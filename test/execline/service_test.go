package execline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestServiceRunScript supervises a service whose run script is an execline
// script interpreted by our execlineb, under our svscan, with PATH holding
// only the symlink farm: no shell and no execline are involved until the
// final daemon. The script also proves the chain ran in one process: a
// child of the chain reads its parent's command line, which is still the
// interpreter's (execlineb … run), not fdmove's or s6-envdir's.
func TestServiceRunScript(t *testing.T) {
	farm := harness.BinDir(t)
	work := t.TempDir()
	sc := filepath.Join(work, "sc")
	svc := filepath.Join(sc, "web")
	for _, d := range []string{filepath.Join(svc, "env")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	harness.WriteFile(t, filepath.Join(svc, "env", "PORT"), "8080\n", 0o644)
	run := "#!" + filepath.Join(farm, "execlineb") + " -P\n" +
		"fdmove -c 2 1\n" +
		"s6-envdir ./env\n" +
		"importas -i PORT PORT\n" +
		"foreground { /bin/sh -c \"echo chain: $(/usr/bin/tr '\\\\000' ' ' < /proc/$PPID/cmdline)\" }\n" +
		"define -s ARGS \"a b\"\n" +
		"exec /bin/sh -c \"echo daemon port=${PORT} args=$* >&2; exec /bin/sleep 1000\" sh $ARGS\n"
	harness.WriteFile(t, filepath.Join(svc, "run"), run, 0o755)

	cmd := harness.Command(t, "s6-svscan", sc)
	cmd.Env = []string{"PATH=" + farm}
	p := harness.Start(t, cmd)
	deadline := time.Now().Add(15 * time.Second)
	want := []string{
		"chain: " + filepath.Join(farm, "execlineb") + " -P ./run",
		"daemon port=8080 args=a b",
	}
	for {
		out := p.Stdout.String() + p.Stderr.String()
		ok := true
		for _, w := range want {
			if !strings.Contains(out, w) {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service output does not have %q; got:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := harness.Run(t, "s6-svstat", svc)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "up ") {
		t.Fatalf("s6-svstat: code %d, %q %q", r.Code, r.Stdout, r.Stderr)
	}
	harness.Run(t, "s6-svscanctl", "-t", sc)
	if _, ok := p.Wait(10 * time.Second); !ok {
		t.Fatal("svscan did not exit after svscanctl -t")
	}
}

// TestServiceDirsNoShell supervises, under our svscan, a service and its
// logger written in execline, in a mount namespace where /usr/bin (and so
// /bin), /usr/sbin and /usr/lib/execline are empty tmpfs: no shell, no
// execline, no coreutils. The run script moves stderr, reads an envdir,
// reports whether the tools are hidden, drops to nobody and blocks; the
// logger drops to nobody and writes into a logdir nobody owns.
func TestServiceDirsNoShell(t *testing.T) {
	harness.NeedRoot(t, "mount namespace, s6-setuidgid")
	unshare := harness.NeedProgram(t, "unshare", "util-linux")
	mount := harness.NeedProgram(t, "mount", "mount")
	sh := harness.NeedProgram(t, "sh", "dash")
	bin := harness.Binary(t)
	farm := harness.BinDir(t)
	work := t.TempDir()
	// nobody runs programs from the farm and writes below work
	for _, top := range []string{work, farm} {
		for d := top; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	sc := filepath.Join(work, "sc")
	svc := filepath.Join(sc, "hello")
	logdir := filepath.Join(work, "logdir")
	for _, d := range []string{filepath.Join(svc, "env"), filepath.Join(svc, "log"), logdir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(logdir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(svc, "env", "GREETING"), "hi\n", 0o644)
	harness.WriteFile(t, filepath.Join(svc, "run"), "#!"+filepath.Join(farm, "execlineb")+" -P\n"+
		"fdmove -c 2 1\n"+
		"s6-envdir ./env\n"+
		"importas -i GREETING GREETING\n"+
		"export \"#\" 2\n"+
		"export 1 greeting=${GREETING}\n"+
		"foreground {\n"+
		"  ifelse { eltest -e /bin/sh -o -e /usr/bin/env -o -e /usr/lib/execline/bin/execlineb }\n"+
		"    { export 2 tools=visible dollarat }\n"+
		"  export 2 tools=hidden dollarat\n"+
		"}\n"+
		"s6-setuidgid nobody\n"+
		"piperw 3 4 fdmove 0 3\n"+
		"exec forstdin x exit 0\n", 0o755)
	harness.WriteFile(t, filepath.Join(svc, "log", "run"), "#!"+filepath.Join(farm, "execlineb")+" -P\n"+
		"s6-setuidgid nobody\n"+
		"s6-log -b n3 t "+logdir+"\n", 0o755)

	// the shell runs only to set the namespace up; the last mount hides it
	setup := mount + " -t tmpfs none /usr/lib/execline && " + mount + " -t tmpfs none /usr/sbin && " +
		mount + " -t tmpfs none /usr/bin && exec \"$0\" s6-svscan \"$1\""
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", sh, "-c", setup, bin, sc)
	cmd.Env = []string{"PATH=" + farm}
	p := harness.Start(t, cmd)
	t.Cleanup(func() {
		harness.Run(t, "s6-svscanctl", "-t", sc)
		p.Wait(10 * time.Second)
	})
	current := filepath.Join(logdir, "current")
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(current)
			t.Logf("svscan: %s%s\nlog: %q", p.Stdout.String(), p.Stderr.String(), b)
		}
	}()
	harness.Eventually(t, 15*time.Second, "the service's lines in "+current, func() bool {
		b, _ := os.ReadFile(current)
		return strings.Contains(string(b), " greeting=hi\n") && strings.Contains(string(b), " tools=hidden\n")
	})
	var st syscall.Stat_t
	if err := syscall.Stat(current, &st); err != nil || st.Uid != 65534 {
		t.Fatalf("%s: owner %d (%v), want nobody (65534)", current, st.Uid, err)
	}
	r := harness.Run(t, "s6-svstat", "-p", svc)
	pid := strings.TrimSpace(r.Stdout)
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatalf("s6-svstat -p: %q %q: %v", r.Stdout, r.Stderr, err)
	}
	if !strings.Contains(string(status), "\nUid:\t65534\t65534\t65534\t65534\n") {
		t.Fatalf("the service does not run as nobody:\n%s", status)
	}
	if out := p.Stdout.String() + p.Stderr.String(); strings.Contains(out, "fatal") {
		t.Fatalf("svscan's output: %s", out)
	}
}
