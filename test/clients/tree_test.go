package clients

import (
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"s6box/core/lock"
	"s6box/core/status"
	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// impl is a supervision daemon implementation the clients are tested against.
type impl struct {
	name  string
	start func(t *testing.T, scandir string, names []string)
}

// impls lists real s6 (s6-svscan + s6-supervise; missing only outside CI),
// our svscan and our supervise (run directly, one process per service, as
// s6-supervise's contract allows).
func impls(t *testing.T) []impl {
	t.Helper()
	out := []impl{}
	if harness.Optional(t, "real s6-svscan (/usr/bin/s6-svscan)", harness.Exists("/usr/bin/s6-svscan")) {
		out = append(out, impl{"s6", startRealScan})
	}
	return append(out, impl{"supervise", startOurSupervise}, impl{"svscan", startOurScan})
}

// forEachImpl runs f as a subtest per implementation.
func forEachImpl(t *testing.T, f func(t *testing.T, im impl)) {
	for _, im := range impls(t) {
		t.Run(im.name, func(t *testing.T) { f(t, im) })
	}
}

func startRealScan(t *testing.T, scandir string, names []string) {
	scan := harness.RealS6(t, "s6-svscan")
	ctl := harness.RealS6(t, "s6-svscanctl")
	p := harness.Start(t, harness.Command(t, scan, "-t0", scandir))
	t.Cleanup(func() {
		harness.RunCmd(t, 30*time.Second, harness.Command(t, ctl, "-t", scandir))
		p.Wait(20 * time.Second)
	})
	waitSupervised(t, scandir, names)
}

func startOurScan(t *testing.T, scandir string, names []string) {
	p := harness.Start(t, harness.Command(t, "svscan", scandir))
	t.Cleanup(func() {
		harness.RunCmd(t, 30*time.Second, harness.Command(t, "svscanctl", "-t", scandir))
		p.Wait(20 * time.Second)
	})
	waitSupervised(t, scandir, names)
}

func startOurSupervise(t *testing.T, scandir string, names []string) {
	for _, n := range names {
		cmd := harness.Command(t, "supervise", n)
		cmd.Dir = scandir
		p := harness.Start(t, cmd)
		t.Cleanup(func() { p.Signal(syscall.SIGTERM); p.Wait(20 * time.Second) })
	}
	waitSupervised(t, scandir, names)
}

// waitSupervised waits until every service's supervisor holds its lock and
// has written its status.
func waitSupervised(t *testing.T, scandir string, names []string) {
	t.Helper()
	for _, n := range names {
		d := filepath.Join(scandir, n)
		harness.Eventually(t, 30*time.Second, "supervisor of "+n, func() bool {
			if ok, _ := lock.IsLocked(filepath.Join(d, "supervise", "lock")); !ok {
				return false
			}
			_, err := status.Read(d)
			return err == nil
		})
	}
}

// svdef describes a service directory.
type svdef struct {
	run, finish   string
	down          bool
	notifyFD      string
	timeoutFinish string
}

const sleepRun = "#!/bin/sh\nexec sleep 1000\n"

// tree creates a scandir with the services, starts im on it and returns the
// service paths by name. At the end every process left in a service (a
// finish script, a run that ignored the teardown) is killed by its group.
func tree(t *testing.T, im impl, svs map[string]svdef) (string, map[string]string) {
	t.Helper()
	scandir := t.TempDir()
	paths := map[string]string{}
	var names []string
	for n, s := range svs {
		d := filepath.Join(scandir, n)
		harness.WriteFile(t, filepath.Join(d, "run"), s.run, 0o755)
		if s.finish != "" {
			harness.WriteFile(t, filepath.Join(d, "finish"), s.finish, 0o755)
		}
		if s.down {
			harness.WriteFile(t, filepath.Join(d, "down"), "", 0o644)
		}
		if s.notifyFD != "" {
			harness.WriteFile(t, filepath.Join(d, "notification-fd"), s.notifyFD+"\n", 0o644)
		}
		if s.timeoutFinish != "" {
			harness.WriteFile(t, filepath.Join(d, "timeout-finish"), s.timeoutFinish+"\n", 0o644)
		}
		paths[n] = d
		names = append(names, n)
	}
	// Registered before the daemon's own cleanup, so it runs after it.
	t.Cleanup(func() {
		for _, d := range paths {
			if st, err := status.Read(d); err == nil && st.PID > 1 {
				syscall.Kill(-int(st.PID), syscall.SIGKILL)
			}
		}
	})
	im.start(t, scandir, names)
	return scandir, paths
}

var secondsRe = regexp.MustCompile(`[0-9]+ seconds`)

// maskSeconds replaces the elapsed times, which may tick between two runs.
func maskSeconds(s string) string { return secondsRe.ReplaceAllString(s, "N seconds") }

// ours and real run our applet and the Debian tool with the same arguments.
func ours(t *testing.T, name string, args ...string) harness.Result {
	t.Helper()
	return harness.Run(t, name, args...)
}

func real(t *testing.T, name string, args ...string) harness.Result {
	t.Helper()
	return harness.RunCmd(t, 60*time.Second, harness.Command(t, harness.RealS6(t, name), args...))
}

// mustOK fails the test unless r exited 0.
func mustOK(t *testing.T, what string, r harness.Result) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", what, r.Code, r.Stdout, r.Stderr)
	}
}
