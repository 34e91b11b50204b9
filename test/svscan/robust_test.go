package svscan_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/lock"
	"s6box/core/status"
	"s6box/test/harness"
)

// TestOurCtlRealScan: our svscanctl drives Debian's s6-svscan.
func TestOurCtlRealScan(t *testing.T) {
	real := harness.RealS6(t, "s6-svscan")
	sc, work := scandir(t)
	id := uniq()
	service(t, filepath.Join(sc, "a"), `exec sleep `+id+`1`)
	harness.WriteFile(t, filepath.Join(sc, ".s6-svscan", "finish"), "#!/bin/sh\necho $# > "+work+"/finish\n", 0o755)
	p := harness.Start(t, harness.Command(t, real, sc))
	waitUp(t, filepath.Join(sc, "a"))
	service(t, filepath.Join(sc, "b"), `exec sleep `+id+`2`)
	if r := harness.Run(t, "svscanctl", "-a", sc); r.Code != 0 {
		t.Fatalf("svscanctl -a: %d %s", r.Code, r.Stderr)
	}
	waitUp(t, filepath.Join(sc, "b"))
	os.Rename(filepath.Join(sc, "b"), filepath.Join(work, "b"))
	harness.Run(t, "svscanctl", "-an", sc)
	harness.Eventually(t, 30*time.Second, "b pruned by real s6-svscan after svscanctl -an", func() bool {
		return len(procsWithArgs("sleep", id+"2")) == 0
	})
	if r := harness.Run(t, "svscanctl", "-t", sc); r.Code != 0 {
		t.Fatalf("svscanctl -t: %d", r.Code)
	}
	if _, ok := p.Wait(60 * time.Second); !ok {
		t.Fatal("real s6-svscan did not exit after svscanctl -t")
	}
	if readFile(t, filepath.Join(work, "finish")) != "0\n" {
		t.Fatal("finish not run")
	}
	// Nobody listens now: 100, as real s6-svscanctl.
	if r := harness.Run(t, "svscanctl", "-a", sc); r.Code != 100 {
		t.Fatalf("svscanctl on a dead scanner: %d, want 100", r.Code)
	}
	if r := harness.Run(t, "svscanctl", "-a", filepath.Join(work, "nonexistent")); r.Code != 111 {
		t.Fatalf("svscanctl on a missing dir: %d, want 111", r.Code)
	}
}

// TestNoLogLineLost: a producer writes numbered lines in bursts of 100.
// After each burst it waits until the logger has written the burst to the
// file, then kills the logger with real s6-svc -wd -k or -wd -t
// (alternately) and writes the next burst while the logger is dead and
// restarting. The scanner holds both ends of the pipe, so every line must
// reach the log exactly once.
func TestNoLogLineLost(t *testing.T) {
	svc := harness.RealS6(t, "s6-svc")
	forModes(t, func(t *testing.T, m mode) {
		type logger struct{ name, prog string }
		loggers := []logger{{"cat", "cat"}}
		if m.name == "inprocess" {
			// s6-log as the logger too (real and ours): in one mode, to keep
			// the suite short.
			loggers = append(loggers, logger{"real-s6-log", harness.RealS6(t, "s6-log")})
			loggers = append(loggers, logger{"our-s6-log", harness.Path(t, "s6-log")})
		}
		for _, lg := range loggers {
			t.Run(lg.name, func(t *testing.T) { noLogLineLost(t, m, svc, lg.prog) })
		}
	})
}

// noLogLineLost runs the test with one logger: "cat" (exec cat >> file) or
// the path of an s6-log (writing a logdir's current).
func noLogLineLost(t *testing.T, m mode, svc, logger string) {
	sc, work := scandir(t)
	out := filepath.Join(work, "lines")
	logRun := `exec cat >> ` + out
	if logger != "cat" {
		out = filepath.Join(work, "logdir", "current")
		logRun = `exec ` + logger + ` -b s10000000 ` + filepath.Join(work, "logdir")
	}
	const n = 600
	// The producer stops after n lines and stays down (-O).
	service(t, filepath.Join(sc, "p"), fmt.Sprintf(`i=0; k=0
while [ $i -lt %d ]; do
  i=$((i+1)); echo "line $i"
  case $i in *00)
    until [ "$(tail -n 1 %s 2>/dev/null)" = "line $i" ]; do sleep 0.02; done
    k=$((k+1)); if [ $((k %% 2)) = 0 ]; then %s -wd -k log; else %s -wd -t log; fi ;;
  esac
done
exec %s -O .`, n, out, svc, svc, svc))
	service(t, filepath.Join(sc, "p", "log"), logRun)
	p := startScan(t, m, sc)
	want := fmt.Sprintf("line %d\n", n)
	harness.Eventually(t, 120*time.Second, "the last line in the log", func() bool {
		return strings.HasSuffix(readFile(t, out), want)
	})
	// s6-log archives current as @TAI64N.s/.u files (names sort by time).
	all := ""
	if logger != "cat" {
		arch, _ := filepath.Glob(filepath.Join(work, "logdir", "@*"))
		sort.Strings(arch)
		for _, f := range arch {
			all += readFile(t, f)
		}
	}
	all += readFile(t, out)
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(lines) != n {
		t.Errorf("%d lines logged, want %d", len(lines), n)
	}
	for i, l := range lines {
		if l != "line "+strconv.Itoa(i+1) {
			t.Fatalf("line %d is %q: lost or duplicated output", i+1, l)
		}
	}
	// The logger really was restarted: its death tally has entries.
	if fi, err := os.Stat(filepath.Join(sc, "p", "log", "supervise", "death_tally")); err != nil || fi.Size() < 14*5 {
		t.Fatalf("logger death_tally: %v, %v; want at least 5 deaths", fi, err)
	}
	harness.Run(t, "svscanctl", "-t", sc)
	p.Wait(60 * time.Second)
}

// TestNoDuplicateAfterSigkill: a scanner (not pid 1) killed with SIGKILL
// and started again must leave exactly one copy of each daemon.
func TestNoDuplicateAfterSigkill(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		id := uniq()
		for i := 1; i <= 3; i++ {
			service(t, filepath.Join(sc, "s"+strconv.Itoa(i)), `exec sleep `+id+strconv.Itoa(i))
		}
		service(t, filepath.Join(sc, "s1", "log"), `exec sleep `+id+`9`)
		all := func() []int {
			var pids []int
			for _, k := range []string{"1", "2", "3", "9"} {
				pids = append(pids, procsWithArgs("sleep", id+k)...)
			}
			return pids
		}
		killOnCleanup(t, all)
		p := startScanToFile(t, m, sc, filepath.Join(work, "scan1.log"))
		for _, d := range []string{"s1", "s2", "s3", "s1/log"} {
			waitUp(t, filepath.Join(sc, d))
		}
		p.Signal(syscall.SIGKILL)
		p.Wait(30 * time.Second)
		p2 := startScan(t, m, sc)
		for _, d := range []string{"s1", "s2", "s3", "s1/log"} {
			waitUp(t, filepath.Join(sc, d))
		}
		// Give a would-be duplicate time to appear: supervisors are retried
		// every second.
		time.Sleep(2500 * time.Millisecond)
		for _, k := range []string{"1", "2", "3", "9"} {
			if got := procsWithArgs("sleep", id+k); len(got) != 1 {
				t.Errorf("daemon sleep %s%s: %d copies %v after SIGKILL + restart, want 1", id, k, len(got), got)
			}
		}
		if p2.Exited() {
			t.Fatalf("second scanner exited\n%s", p2.Stderr.String())
		}
	})
}

// TestPidNamespaceReapsOrphans: as pid 1 of a pid namespace, svscan reaps
// the orphans of double-forking services.
func TestPidNamespaceReapsOrphans(t *testing.T) {
	harness.NeedRoot(t, "unshare --pid")
	unshare := harness.NeedProgram(t, "unshare", "util-linux")
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		// Each start leaves 3 short-lived orphans behind; the service is
		// restarted a few times.
		service(t, filepath.Join(sc, "d"), `for i in 1 2 3; do ( sh -c 'sleep 0.2' & ) ; done; echo x >> `+work+`/starts; sleep 0.5; exit 0`)
		args := append([]string{"--pid", "--fork", "--mount-proc", harness.Path(t, "s6-svscan")}, m.args...)
		args = append(args, sc)
		p := harness.Start(t, harness.Command(t, unshare, args...))
		harness.Eventually(t, 60*time.Second, "3 starts of the double-forking service", func() bool {
			return strings.Count(readFile(t, filepath.Join(work, "starts")), "x") >= 3
		})
		// The scanner is unshare's child (pid 1 inside).
		kids := strings.Fields(readFile(t, fmt.Sprintf("/proc/%d/task/%d/children", p.Pid(), p.Pid())))
		if len(kids) != 1 {
			t.Fatalf("unshare children: %v", kids)
		}
		scan, _ := strconv.Atoi(kids[0])
		time.Sleep(time.Second)
		var zombies []int
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || !isZombie(pid) {
				continue
			}
			st := readFile(t, fmt.Sprintf("/proc/%d/stat", pid))
			f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
			if len(f) > 1 && f[1] == strconv.Itoa(scan) {
				zombies = append(zombies, pid)
			}
		}
		if len(zombies) > 0 {
			t.Fatalf("zombie children of the pid-1 scanner: %v", zombies)
		}
		if p.Exited() {
			t.Fatalf("scanner exited\n%s", p.Stderr.String())
		}
		syscall.Kill(scan, syscall.SIGTERM)
		if _, ok := p.Wait(60 * time.Second); !ok {
			t.Fatal("pid-1 scanner did not exit on SIGTERM")
		}
	})
}

// TestBadInput: missing scan dir, a service without run, a log/ without
// run, a service deleted while running: clear messages, no crash.
func TestBadInput(t *testing.T) {
	work := t.TempDir()
	r := harness.Run(t, "svscan", filepath.Join(work, "missing"))
	if r.Code != 111 || !strings.Contains(r.Stderr, filepath.Join(work, "missing")) {
		t.Fatalf("missing scandir: code %d, stderr %q", r.Code, r.Stderr)
	}
	harness.WriteFile(t, filepath.Join(work, "file"), "", 0o644)
	if r := harness.Run(t, "svscan", filepath.Join(work, "file")); r.Code != 111 {
		t.Fatalf("scandir is a file: code %d", r.Code)
	}
	harness.WriteFile(t, filepath.Join(work, "sc2", ".s6-svscan"), "", 0o644)
	if r := harness.Run(t, "svscan", filepath.Join(work, "sc2")); r.Code != 100 || !strings.Contains(r.Stderr, ".s6-svscan") {
		t.Fatalf(".s6-svscan is a file: code %d, stderr %q", r.Code, r.Stderr)
	}

	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		id := uniq()
		os.MkdirAll(filepath.Join(sc, "norun"), 0o755)
		service(t, filepath.Join(sc, "nolog"), `echo to nowhere; exec sleep `+id+`1`)
		os.MkdirAll(filepath.Join(sc, "nolog", "log"), 0o755)
		service(t, filepath.Join(sc, "gone"), `exec sleep `+id+`2`)
		service(t, filepath.Join(sc, "ok"), `exec sleep `+id+`3`)
		os.Symlink(filepath.Join(work, "nowhere"), filepath.Join(sc, "dangling"))
		harness.WriteFile(t, filepath.Join(sc, "plainfile"), "", 0o644)
		p := startScan(t, m, sc)
		waitUp(t, filepath.Join(sc, "ok"))
		waitUp(t, filepath.Join(sc, "nolog"))
		waitUp(t, filepath.Join(sc, "gone"))
		harness.Eventually(t, 30*time.Second, "warnings naming norun/run and nolog/log", func() bool {
			e := p.Stderr.String()
			return strings.Contains(e, filepath.Join(sc, "norun")) && strings.Contains(e, filepath.Join(sc, "nolog", "log"))
		})
		if err := os.RemoveAll(filepath.Join(sc, "gone")); err != nil {
			t.Fatal(err)
		}
		harness.Run(t, "svscanctl", "-an", sc)
		harness.Eventually(t, 30*time.Second, "deleted service stopped", func() bool {
			return len(procsWithArgs("sleep", id+"2")) == 0
		})
		// The scanner's stderr reaches the test through a copying goroutine:
		// give the message time to arrive rather than racing it.
		harness.Eventually(t, 10*time.Second, "a message naming the deleted service", func() bool {
			return strings.Contains(p.Stderr.String(), filepath.Join(sc, "gone"))
		})
		if p.Exited() {
			t.Fatalf("scanner died\n%s", p.Stderr.String())
		}
		if n := len(procsWithArgs("sleep", id+"3")); n != 1 {
			t.Fatalf("healthy service: %d daemons", n)
		}
		harness.Run(t, "svscanctl", "-t", sc)
		if _, ok := p.Wait(60 * time.Second); !ok {
			t.Fatalf("no exit after -t\n%s", p.Stderr.String())
		}
	})
}

// TestManyServicesLowNofile: more services than file descriptors allow:
// a clear warning naming RLIMIT_NOFILE, the others supervised.
func TestManyServicesLowNofile(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		n, limit := 2000, 1024
		if m.name != "inprocess" {
			n, limit = 150, 128 // one process per supervisor: keep it small
		}
		sc, _ := scandir(t)
		for i := 0; i < n; i++ {
			d := filepath.Join(sc, fmt.Sprintf("s%04d", i))
			service(t, d, "exec sleep 100000")
			harness.WriteFile(t, filepath.Join(d, "down"), "", 0o644)
			service(t, filepath.Join(d, "log"), "exec sleep 100000")
			harness.WriteFile(t, filepath.Join(d, "log", "down"), "", 0o644)
		}
		cmdline := fmt.Sprintf("ulimit -S -n %d && ulimit -H -n %d && exec %s %s -C 10000 %s", limit, limit, harness.Path(t, "s6-svscan"), strings.Join(m.args, " "), sc)
		p := harness.Start(t, harness.Command(t, "/bin/sh", "-c", cmdline))
		harness.Eventually(t, 120*time.Second, "a warning naming RLIMIT_NOFILE", func() bool {
			return strings.Contains(p.Stderr.String(), "RLIMIT_NOFILE")
		})
		// The first service is supervised (status written, lock held).
		svok := harness.RealS6(t, "s6-svok")
		harness.Eventually(t, 60*time.Second, "s0000 supervised", func() bool {
			return harness.Run(t, svok, filepath.Join(sc, "s0000")).Code == 0
		})
		if p.Exited() {
			t.Fatalf("scanner died\n%.2000s", p.Stderr.String())
		}
		// Summed up, not one line per service; and the scan directory
		// itself stays readable (the scanner keeps descriptors for itself).
		time.Sleep(4 * time.Second) // a rescan or two
		if k := strings.Count(p.Stderr.String(), "RLIMIT_NOFILE"); k > 4 {
			t.Errorf("%d warnings about RLIMIT_NOFILE, want a few", k)
		}
		if strings.Contains(p.Stderr.String(), "unable to open scan directory") {
			t.Errorf("scanner ran out of descriptors for itself:\n%.2000s", p.Stderr.String())
		}
		harness.Run(t, "svscanctl", "-t", sc)
		if _, ok := p.Wait(120 * time.Second); !ok {
			t.Fatal("no exit after -t")
		}
	})
}

// TestDaemonNofileLimit: Go raises its own soft RLIMIT_NOFILE; daemons
// must get the limit the scanner was started with.
func TestDaemonNofileLimit(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, _ := scandir(t)
		id := uniq()
		service(t, filepath.Join(sc, "a"), "exec sleep "+id)
		cmdline := fmt.Sprintf("ulimit -S -n 777 && ulimit -H -n 4096 && exec %s %s %s", harness.Path(t, "s6-svscan"), strings.Join(m.args, " "), sc)
		p := harness.Start(t, harness.Command(t, "/bin/sh", "-c", cmdline))
		pid := waitUp(t, filepath.Join(sc, "a"))
		lim := readFile(t, fmt.Sprintf("/proc/%d/limits", pid))
		var line string
		for _, l := range strings.Split(lim, "\n") {
			if strings.HasPrefix(l, "Max open files") {
				line = l
			}
		}
		if f := strings.Fields(line); len(f) < 5 || f[3] != "777" || f[4] != "4096" {
			t.Fatalf("daemon's NOFILE limit: %q, want soft 777 hard 4096", line)
		}
		harness.Run(t, "svscanctl", "-t", sc)
		p.Wait(60 * time.Second)
	})
}

// TestTinyNofileNoHalfStart: 100 services under a descriptor limit of 64.
// The scanner keeps a reserve for itself: every service is either fully
// supervised (lock held, status written, its daemon the one in status) or
// not started at all (no lock, no daemon), and svscanctl still works:
// services taken out of the scan directory are noticed and stopped with
// -an and -h, and the freed room goes to services that were waiting.
func TestTinyNofileNoHalfStart(t *testing.T) {
	sc, work := scandir(t)
	id := uniq()
	const n = 100
	arg := func(i int) string { return fmt.Sprintf("%s%03d", id, i) }
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%03d", i)
		service(t, filepath.Join(sc, names[i]), "exec sleep "+arg(i))
	}
	killOnCleanup(t, func() []int {
		var pids []int
		for i := 0; i < n; i++ {
			pids = append(pids, procsWithArgs("sleep", arg(i))...)
		}
		return pids
	})
	cmdline := fmt.Sprintf("ulimit -n 64 && exec %s %s", harness.Path(t, "s6-svscan"), sc)
	p := harness.Start(t, harness.Command(t, "/bin/sh", "-c", cmdline))

	// where maps a service to the directory it is in now.
	where := map[string]string{}
	for _, nm := range names {
		where[nm] = filepath.Join(sc, nm)
	}
	// check classifies every service; it returns the names of the fully
	// supervised ones and a description of every half-started one.
	check := func() (full []string, bad []string) {
		for i, nm := range names {
			d := where[nm]
			locked, _ := lock.IsLocked(filepath.Join(d, "supervise", "lock"))
			st, serr := status.Read(d)
			daemons := procsWithArgs("sleep", arg(i))
			switch {
			case locked && serr == nil && st.Up() && len(daemons) == 1 && daemons[0] == int(st.PID):
				full = append(full, nm)
			case !locked && len(daemons) == 0:
			default:
				bad = append(bad, fmt.Sprintf("%s: locked=%v status=%v up=%v pid=%d daemons=%v", nm, locked, serr, st.Up(), st.PID, daemons))
			}
		}
		return full, bad
	}
	settled := func(what string) []string {
		t.Helper()
		var full, bad []string
		harness.Eventually(t, 30*time.Second, what, func() bool {
			full, bad = check()
			return len(full) > 0 && len(bad) == 0
		})
		time.Sleep(time.Second) // still so a moment later
		if full, bad = check(); len(bad) > 0 || len(full) == 0 {
			t.Fatalf("%s: %d supervised, half-started: %v\n%.3000s", what, len(full), bad, p.Stderr.String())
		}
		return full
	}
	harness.Eventually(t, 30*time.Second, "a warning naming RLIMIT_NOFILE", func() bool {
		return strings.Contains(p.Stderr.String(), "RLIMIT_NOFILE")
	})
	full := settled("every service fully supervised or not started")
	if len(full) == n {
		t.Fatalf("all %d services supervised under a limit of 64 descriptors", n)
	}

	// Take three supervised services out of the scan directory: -an stops
	// them, and waiting services take their room.
	gone := filepath.Join(work, "gone")
	if err := os.Mkdir(gone, 0o755); err != nil {
		t.Fatal(err)
	}
	out := func(nm string) {
		if err := os.Rename(where[nm], filepath.Join(gone, nm)); err != nil {
			t.Fatal(err)
		}
		where[nm] = filepath.Join(gone, nm)
	}
	stopped := func(what string, nms ...string) {
		t.Helper()
		for _, nm := range nms {
			harness.Eventually(t, 30*time.Second, what+": "+nm+" stopped", func() bool {
				locked, _ := lock.IsLocked(filepath.Join(where[nm], "supervise", "lock"))
				return !locked
			})
		}
	}
	for _, nm := range full[:3] {
		out(nm)
	}
	if r := harness.Run(t, "s6-svscanctl", "-an", sc); r.Code != 0 {
		t.Fatalf("svscanctl -an: %d %s", r.Code, r.Stderr)
	}
	stopped("svscanctl -an", full[:3]...)
	// The scanner retries waiting services on its next rescan.
	var after []string
	harness.Eventually(t, 30*time.Second, "a waiting service started in the room freed", func() bool {
		after = settled("after -an")
		return slices.ContainsFunc(after, func(nm string) bool { return !slices.Contains(full, nm) })
	})
	// -h answers too.
	out(after[0])
	if r := harness.Run(t, "s6-svscanctl", "-h", sc); r.Code != 0 {
		t.Fatalf("svscanctl -h: %d %s", r.Code, r.Stderr)
	}
	stopped("svscanctl -h", after[0])
	settled("after -h")
	if strings.Contains(p.Stderr.String(), "unable to open scan directory") {
		t.Errorf("the scanner ran out of descriptors for itself:\n%.3000s", p.Stderr.String())
	}
	harness.Run(t, "s6-svscanctl", "-t", sc)
	if _, ok := p.Wait(60 * time.Second); !ok {
		t.Fatal("no exit after -t")
	}
}
