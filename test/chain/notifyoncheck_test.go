package chain

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// service builds a service directory whose run script execs NOC (ours or
// real s6-notifyoncheck) with opts, prog printing its descriptors into
// ./fds and then sleeping; data/check appends to ./checks and succeeds once
// ./ready exists.
func service(t *testing.T, noc, opts string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sv")
	harness.WriteFile(t, filepath.Join(dir, "notification-fd"), "3\n", 0o644)
	harness.WriteFile(t, filepath.Join(dir, "data", "check"), "#!/bin/sh\necho x >> ../checks\n[ -e ../ready ]\n", 0o755)
	harness.WriteFile(t, filepath.Join(dir, "run"), "#!/bin/sh\nexec "+noc+" "+opts+
		" sh -c 'ls /proc/$$/fd > fds; exec sleep 600'\n", 0o755)
	return dir
}

// supervisors: real s6-supervise, and ours when the applet is in the farm.
func supervisors(t *testing.T) map[string]string {
	m := map[string]string{"real-supervise": harness.RealS6(t, "s6-supervise")}
	if _, err := os.Stat(harness.Path(t, "s6-supervise")); err == nil {
		m["our-supervise"] = harness.Path(t, "s6-supervise")
	}
	return m
}

func startSupervise(t *testing.T, sup, dir string) {
	t.Helper()
	cmd := exec.Command(sup, dir)
	cmd.Env = harness.Env(t)
	harness.Start(t, cmd)
	harness.Eventually(t, 20*time.Second, "supervisor up", func() bool {
		return harness.RunCmd(t, 10*time.Second, exec.Command("/usr/bin/s6-svok", dir)).Code == 0
	})
	t.Cleanup(func() { exec.Command("/usr/bin/s6-svc", "-xd", dir).Run() })
}

func TestNotifyoncheckReadiness(t *testing.T) {
	nocs := map[string]string{"ours": harness.Path(t, "s6-notifyoncheck"), "real": harness.RealS6(t, "s6-notifyoncheck")}
	for supName, sup := range supervisors(t) {
		for nocName, noc := range nocs {
			for _, opts := range []string{"-w 50 -n 0", "-d -s 0 -w 50 -n 0", "-3 3 -w 50 -n 0 -c 'test -e ../ready'"} {
				t.Run(supName+"/"+nocName+"/"+opts, func(t *testing.T) {
					dir := service(t, noc, opts)
					startSupervise(t, sup, dir)
					checks := filepath.Join(filepath.Dir(dir), "checks")
					if !strings.Contains(opts, "-c") {
						harness.Eventually(t, 20*time.Second, "the check runs", func() bool {
							_, err := os.Stat(checks)
							return err == nil
						})
					}
					if r := harness.RunCmd(t, 10*time.Second, exec.Command("/usr/bin/s6-svwait", "-U", "-t", "300", dir)); r.Code == 0 {
						t.Fatal("ready before the check passed")
					}
					os.WriteFile(filepath.Join(filepath.Dir(dir), "ready"), nil, 0o644)
					r := harness.RunCmd(t, 30*time.Second, exec.Command("/usr/bin/s6-svwait", "-U", "-t", "20000", dir))
					if r.Code != 0 {
						t.Fatalf("not ready: %d %s", r.Code, r.Stderr)
					}
					// prog does not hold the notification fd.
					harness.Eventually(t, 10*time.Second, "fds written", func() bool {
						b, _ := os.ReadFile(filepath.Join(dir, "fds"))
						return len(b) > 0
					})
					b, _ := os.ReadFile(filepath.Join(dir, "fds"))
					if strings.Contains(" "+strings.Join(strings.Fields(string(b)), " ")+" ", " 3 ") {
						t.Fatalf("prog holds fd 3: %q", b)
					}
				})
			}
		}
	}
}

// When the service goes down, the checker stops polling.
func TestNotifyoncheckStopsOnDeath(t *testing.T) {
	for supName, sup := range supervisors(t) {
		t.Run(supName, func(t *testing.T) {
			dir := service(t, harness.Path(t, "s6-notifyoncheck"), "-s 0 -w 20 -n 0")
			startSupervise(t, sup, dir)
			checks := filepath.Join(filepath.Dir(dir), "checks")
			harness.Eventually(t, 20*time.Second, "the check runs", func() bool {
				_, err := os.Stat(checks)
				return err == nil
			})
			exec.Command("/usr/bin/s6-svc", "-d", dir).Run()
			harness.RunCmd(t, 20*time.Second, exec.Command("/usr/bin/s6-svwait", "-D", "-t", "15000", dir))
			// Once polling stopped the count stays put.
			var last int
			harness.Eventually(t, 20*time.Second, "polling to stop", func() bool {
				b, _ := os.ReadFile(checks)
				n := strings.Count(string(b), "x")
				same := n == last
				last = n
				time.Sleep(200 * time.Millisecond)
				return same
			})
		})
	}
}

func TestNotifyoncheckWithoutSupervisor(t *testing.T) {
	for _, noc := range []string{harness.Path(t, "s6-notifyoncheck"), harness.RealS6(t, "s6-notifyoncheck")} {
		cmd := exec.Command(noc, "true")
		cmd.Dir = t.TempDir()
		r := harness.RunCmd(t, 10*time.Second, cmd)
		if r.Code != 100 {
			t.Errorf("%s outside a supervised dir: %d %s", noc, r.Code, r.Stderr)
		}
	}
}

// Exit codes for a bad notification fd, from inside a supervised service,
// ours against real s6-notifyoncheck: no ./notification-fd (111), a closed
// descriptor (111), an invalid file (100).
func TestNotifyoncheckBadFd(t *testing.T) {
	real := harness.RealS6(t, "s6-notifyoncheck")
	ours := harness.Path(t, "s6-notifyoncheck")
	dir := filepath.Join(t.TempDir(), "sv")
	script := "#!/bin/sh\n"
	for _, c := range []struct{ name, setup string }{
		{"nofile", "rm -f notification-fd"},
		{"closed", "echo 7 > notification-fd"},
		{"junk", "echo junk > notification-fd"},
	} {
		for who, noc := range map[string]string{"ours": ours, "real": real} {
			script += c.setup + "\n" + noc + " true 2>/dev/null; echo " + who + "-" + c.name + "=$? >> ../rc\n"
		}
	}
	script += "rm -f notification-fd\nexec sleep 600\n"
	harness.WriteFile(t, filepath.Join(dir, "run"), script, 0o755)
	startSupervise(t, harness.RealS6(t, "s6-supervise"), dir)
	rc := filepath.Join(filepath.Dir(dir), "rc")
	harness.Eventually(t, 20*time.Second, "all cases run", func() bool {
		b, _ := os.ReadFile(rc)
		return strings.Count(string(b), "\n") >= 6
	})
	b, _ := os.ReadFile(rc)
	got := map[string]string{}
	for _, l := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(l, "=")
		got[k] = v
	}
	for name, want := range map[string]string{"nofile": "111", "closed": "111", "junk": "100"} {
		if got["ours-"+name] != want || got["real-"+name] != want {
			t.Errorf("%s: ours %s, real %s, want %s", name, got["ours-"+name], got["real-"+name], want)
		}
	}
}
