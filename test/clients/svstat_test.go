package clients

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

// compareSvstat runs our svstat and real s6-svstat on dir in several formats
// and requires the same output (elapsed seconds masked in the human format;
// the -o list leaves out the two "for" fields, which are elapsed times).
func compareSvstat(t *testing.T, state, dir string) {
	t.Helper()
	argsets := [][]string{
		{dir},
		{"-n", dir},
		{"-o", "up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince", dir},
		{"-uwNrpes", dir},
		{"-o", "u,re,pi,updown", dir},
	}
	for _, args := range argsets {
		// Retry once: a transition between the two runs is not a mismatch.
		var o, r harness.Result
		for try := 0; try < 3; try++ {
			o = ours(t, "svstat", args...)
			r = real(t, "s6-svstat", args...)
			if maskSeconds(o.Stdout) == maskSeconds(r.Stdout) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if o.Code != r.Code || maskSeconds(o.Stdout) != maskSeconds(r.Stdout) {
			t.Errorf("%s: svstat %v\nours (%d): %q\nreal (%d): %q", state, args, o.Code, o.Stdout, r.Code, r.Stdout)
		}
		if o.Code != 0 {
			t.Errorf("%s: svstat %v exit %d: %s", state, args, o.Code, o.Stderr)
		}
	}
}

func TestSvstatMatchesRealEveryState(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{
			"up":    {run: sleepRun},
			"nd":    {run: sleepRun, down: true},
			"ready": {run: "#!/bin/sh\necho >&3\nexec sleep 1000\n", notifyFD: "3"},
			"e3":    {run: "#!/bin/sh\nexit 3\n", down: true},
			"fin":   {run: sleepRun, finish: "#!/bin/sh\n[ -e slept ] && exit 0\ntouch slept\nexec sleep 1000\n", timeoutFinish: "0"},
		})
		mustOK(t, "wait up", ours(t, "svwait", "-u", "-t", "20000", sv["up"], sv["fin"]))
		mustOK(t, "wait ready", ours(t, "svwait", "-U", "-t", "20000", sv["ready"]))

		compareSvstat(t, "never started, down file", sv["nd"])
		compareSvstat(t, "up", sv["up"])
		compareSvstat(t, "up and ready", sv["ready"])

		mustOK(t, "svc -p", ours(t, "svc", "-p", sv["up"]))
		harness.Eventually(t, 20*time.Second, "paused flag", func() bool {
			st, err := status.Read(sv["up"])
			return err == nil && st.Paused
		})
		compareSvstat(t, "paused", sv["up"])
		mustOK(t, "svc -c", ours(t, "svc", "-c", sv["up"]))

		mustOK(t, "svc -wD -o e3", ours(t, "svc", "-wD", "-T", "20000", "-o", sv["e3"]))
		compareSvstat(t, "down after exit 3", sv["e3"])

		mustOK(t, "svc -wD -d up", ours(t, "svc", "-wD", "-T", "20000", "-d", sv["up"]))
		compareSvstat(t, "down after SIGTERM", sv["up"])

		mustOK(t, "svc -wu -o up", ours(t, "svc", "-wu", "-T", "20000", "-o", sv["up"]))
		compareSvstat(t, "up once, want down", sv["up"])

		mustOK(t, "svc -wd -k fin", ours(t, "svc", "-wd", "-T", "20000", "-k", sv["fin"]))
		st, err := status.Read(sv["fin"])
		if err != nil || !st.Finishing {
			t.Fatalf("fin not finishing: %+v %v", st, err)
		}
		compareSvstat(t, "finishing", sv["fin"])
		syscall.Kill(int(st.PID), syscall.SIGKILL) // end the finish script
		mustOK(t, "wait up after finish", ours(t, "svwait", "-u", "-t", "20000", sv["fin"]))
	})
}

func TestSvstatErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{dir}, {filepath.Join(dir, "missing")}, {"-d", dir}, {}, {"-o", "bogus", dir}, {"-o", ",up", dir}} {
		o, r := ours(t, "svstat", args...), real(t, "s6-svstat", args...)
		if o.Code != r.Code || o.Stdout != r.Stdout {
			t.Errorf("svstat %v: ours %d %q, real %d %q", args, o.Code, o.Stdout, r.Code, r.Stdout)
		}
		if !strings.HasPrefix(o.Stderr, "svstat: ") {
			t.Errorf("svstat %v: message %q does not name the program", args, o.Stderr)
		}
	}
}

func TestSvstatJSONAndSeveralDirs(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{
			"a": {run: sleepRun},
			"b": {run: sleepRun, down: true},
		})
		mustOK(t, "wait", ours(t, "svwait", "-u", "-t", "20000", sv["a"]))
		r := ours(t, "svstat", "--json", sv["a"], sv["b"])
		mustOK(t, "svstat --json", r)
		lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"state":"up"`) || !strings.Contains(lines[1], `"state":"down"`) ||
			!strings.Contains(lines[0], `"service":"`+sv["a"]+`"`) || !strings.Contains(lines[1], `"normally_up":false`) {
			t.Fatalf("json lines: %q", r.Stdout)
		}
		noSecs := regexp.MustCompile(`"seconds":[0-9]+`)
		if j := ours(t, "svstat", "-j", sv["a"], sv["b"]); noSecs.ReplaceAllString(j.Stdout, "") != noSecs.ReplaceAllString(r.Stdout, "") {
			t.Fatalf("-j %q differs from --json %q", j.Stdout, r.Stdout)
		}
		pid := strings.Fields(real(t, "s6-svstat", "-p", sv["a"]).Stdout)[0]
		if !strings.Contains(lines[0], `"pid":`+pid+`,`) {
			t.Fatalf("pid %s not in %q", pid, lines[0])
		}
		r = ours(t, "svstat", sv["a"], sv["b"])
		mustOK(t, "svstat two dirs", r)
		if !strings.HasPrefix(r.Stdout, sv["a"]+": up (pid "+pid+") ") || !strings.Contains(r.Stdout, "\n"+sv["b"]+": down (exitcode 0) ") {
			t.Fatalf("two dirs: %q", r.Stdout)
		}
		// One unsupervised dir among several: the others are still printed, exit 1.
		r = ours(t, "svstat", sv["a"], t.TempDir())
		if r.Code != 1 || !strings.HasPrefix(r.Stdout, sv["a"]+": up") {
			t.Fatalf("mixed: %d %q %q", r.Code, r.Stdout, r.Stderr)
		}
		os.Remove(filepath.Join(sv["b"], "down"))
	})
}
