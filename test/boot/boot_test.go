// Package boot runs s6box's init as pid 1 of a PID namespace (unshare) in
// container mode: services and the catch-all logger come up, shutdown
// brings them down in order, the exit code reaches the outside, and no
// zombie is ever left unreaped.
package boot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

type tree struct {
	dir, run string
}

func needUnshare(t *testing.T) {
	t.Helper()
	harness.NeedRoot(t, "runs init as pid 1 of a pid namespace")
	harness.NeedProgram(t, "unshare", "util-linux")
}

// makeTree writes a container init tree with init-maker, plus services.
func makeTree(t *testing.T, extra []string, services map[string]string) tree {
	t.Helper()
	base := t.TempDir()
	tr := tree{dir: filepath.Join(base, "tree"), run: filepath.Join(base, "run")}
	args := append([]string{"-C", "-1", "-b", harness.Binary(t), "-p", harness.BinDir(t) + ":/usr/bin:/bin",
		"-c", tr.dir, "-l", tr.run}, extra...)
	r := harness.Run(t, "init-maker", append(args, tr.dir)...)
	if r.Code != 0 {
		t.Fatalf("init-maker: %d %s", r.Code, r.Stderr)
	}
	for name, run := range services {
		harness.WriteFile(t, filepath.Join(tr.dir, "run-image/service", name, "run"), run, 0o755)
	}
	return tr
}

// zombieWatch samples /proc every 20 ms for zombies among the descendants
// of root. A zombie that stays for 500 ms was left unreaped; a shorter
// sighting is a process caught between its exit and its reaping (the
// machine may be loaded).
type zombieWatch struct {
	mu     sync.Mutex
	stuck  []string
	stop   chan struct{}
	done   chan struct{}
	sample int
}

func watchZombies(root int) *zombieWatch {
	z := &zombieWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(z.done)
		first := map[int]time.Time{}
		reported := map[int]bool{}
		for {
			select {
			case <-z.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			now := time.Now()
			cur := map[int]time.Time{}
			procs := readProcs()
			for pid, p := range procs {
				if p.state != 'Z' || !descends(procs, pid, root) {
					continue
				}
				since, ok := first[pid]
				if !ok {
					since = now
				}
				cur[pid] = since
				if now.Sub(since) >= 500*time.Millisecond && !reported[pid] {
					reported[pid] = true
					z.mu.Lock()
					z.stuck = append(z.stuck, fmt.Sprintf("pid %d (%s) ppid %d", pid, p.comm, p.ppid))
					z.mu.Unlock()
				}
			}
			z.mu.Lock()
			z.sample++
			z.mu.Unlock()
			first = cur
		}
	}()
	return z
}

func (z *zombieWatch) finish(t *testing.T) {
	close(z.stop)
	<-z.done
	if z.sample == 0 {
		t.Fatal("zombie watcher took no sample")
	}
	if len(z.stuck) > 0 {
		t.Fatalf("unreaped zombies: %v", z.stuck)
	}
}

type proc struct {
	ppid  int
	state byte
	comm  string
}

func readProcs() map[int]proc {
	out := map[int]proc{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+4 > len(s) {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		out[pid] = proc{ppid: ppid, state: f[0][0], comm: s[strings.IndexByte(s, '(')+1 : i]}
	}
	return out
}

func descends(procs map[int]proc, pid, root int) bool {
	for n := 0; pid > 1 && n < 100; n++ {
		if pid == root {
			return true
		}
		pid = procs[pid].ppid
	}
	return false
}

func runInit(t *testing.T, tr tree, timeout time.Duration, args ...string) (harness.Result, *harness.Proc) {
	t.Helper()
	cmd := harness.Command(t, "unshare", append([]string{"--pid", "--fork", "--mount-proc", "--",
		filepath.Join(tr.dir, "bin/init")}, args...)...)
	p := harness.Start(t, cmd)
	z := watchZombies(p.Pid())
	code, ok := p.Wait(timeout)
	z.finish(t)
	if !ok {
		t.Fatalf("init did not end within %v\nstdout: %s\nstderr: %s", timeout, p.Stdout.String(), p.Stderr.String())
	}
	return harness.Result{Stdout: p.Stdout.String(), Stderr: p.Stderr.String(), Code: code}, p
}

func readLog(t *testing.T, tr tree) string {
	b, err := os.ReadFile(filepath.Join(tr.run, "uncaught-logs/current"))
	if err != nil {
		t.Fatalf("catch-all log: %v", err)
	}
	return string(b)
}

// The exit-code service (-x): the container ends when it exits, with its code.
func TestExitCodeService(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, []string{"-x", "app"}, map[string]string{
		"app":    "#!/bin/sh\necho app starting\nsleep 1\necho app exiting 7\nexit 7\n",
		"helper": "#!/bin/sh\necho helper up\nexec sleep 1000\n",
	})
	r, _ := runInit(t, tr, 60*time.Second)
	if r.Code != 7 {
		t.Fatalf("exit code %d, want 7\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	log := readLog(t, tr)
	for _, want := range []string{"app starting", "app exiting 7", "helper up"} {
		if !strings.Contains(log, want) {
			t.Errorf("catch-all log lacks %q:\n%s", want, log)
		}
	}
	// With -1 the logger copies every line to the container's output.
	if !strings.Contains(r.Stdout+r.Stderr, "app exiting 7") {
		t.Errorf("console copy missing: %q %q", r.Stdout, r.Stderr)
	}
	if strings.Count(log, "app starting") != 1 {
		t.Errorf("the exit-code service ran more than once:\n%s", log)
	}
}

// rc.init runs the container command; its exit code becomes the container's;
// runlevel words are not interpreted in a container; the envdir applies.
func TestContainerCommand(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, []string{"-e", "GREETING=hello world", "-e", "HOME"}, nil)
	r, _ := runInit(t, tr, 60*time.Second, "sh", "-c", `echo "args: $0 $*; env: $GREETING; home: ${HOME-unset}"; exit 42`, "3", "x y")
	if r.Code != 42 {
		t.Fatalf("exit code %d, want 42\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	// The environment is rebuilt: PATH plus the envdir (HOME, an empty
	// file, is unset even though unshare's caller has it).
	if log := readLog(t, tr); !strings.Contains(log, "args: 3 x y; env: hello world; home: unset") {
		t.Fatalf("command output, arguments or environment wrong:\n%s", log)
	}
}

// poweroff from inside: services go down before the logger (their goodbye
// lines are logged), the exit code recorded by the command is propagated.
func TestPoweroffInOrder(t *testing.T) {
	needUnshare(t)
	svc := "#!/bin/sh\ntrap 'echo svc%[1]s got TERM; exit 0' TERM\necho svc%[1]s up\nwhile :; do sleep 0.1; done\n"
	tr := makeTree(t, []string{"-q", "20000"}, map[string]string{
		"svc1": fmt.Sprintf(svc, "1"), "svc2": fmt.Sprintf(svc, "2"),
	})
	cmd := fmt.Sprintf(`while ! grep -q svc2\ up %[1]s/uncaught-logs/current 2>/dev/null || ! grep -q svc1\ up %[1]s/uncaught-logs/current; do sleep 0.05; done
echo 5 > %[1]s/s6-linux-init-container-results/exitcode
poweroff
sleep 100`, tr.run)
	start := time.Now()
	r, _ := runInit(t, tr, 90*time.Second, "sh", "-c", cmd)
	elapsed := time.Since(start)
	if r.Code != 5 {
		t.Fatalf("exit code %d, want 5\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	log := readLog(t, tr)
	for _, want := range []string{"svc1 up", "svc2 up", "svc1 got TERM", "svc2 got TERM"} {
		if !strings.Contains(log, want) {
			t.Errorf("catch-all log lacks %q (services must stop while the logger still runs):\n%s", want, log)
		}
	}
	b, err := os.ReadFile(filepath.Join(tr.run, "s6-linux-init-container-results/haltcode"))
	if err != nil || string(b) != "p\n" {
		t.Errorf("haltcode %q %v, want p", b, err)
	}
	// The grace time is 20 s; everything exits at TERM, so the grace period
	// must end early. Not a timing assertion on speed: only that init did
	// not wait the whole grace for processes that were already gone.
	if elapsed > 19*time.Second {
		t.Errorf("shutdown took %v: the grace period did not end when everything was gone", elapsed)
	}
}

// SIGTERM to the container's init is an orderly halt.
func TestSigtermHalts(t *testing.T) {
	needUnshare(t)
	// orphans: its children outlive their parent shell, are reparented to
	// pid 1 and must be reaped there (the zombie watch checks).
	tr := makeTree(t, nil, map[string]string{"svc": "#!/bin/sh\necho svc up\nexec sleep 1000\n",
		"orphans": "#!/bin/sh\nsh -c 'sleep 0.2 & sleep 0.3 &'\nexec sleep 1000\n"})
	cmd := harness.Command(t, "unshare", "--pid", "--fork", "--mount-proc", "--", filepath.Join(tr.dir, "bin/init"))
	p := harness.Start(t, cmd)
	z := watchZombies(p.Pid())
	harness.Eventually(t, 30*time.Second, "svc up in the log", func() bool {
		b, _ := os.ReadFile(filepath.Join(tr.run, "uncaught-logs/current"))
		return strings.Contains(string(b), "svc up")
	})
	// unshare forwards nothing: signal the namespace's init (its child).
	nsInit := 0
	for pid, pr := range readProcs() {
		if pr.ppid == p.Pid() {
			nsInit = pid
		}
	}
	if nsInit == 0 {
		t.Fatal("namespace init not found")
	}
	time.Sleep(time.Second) // the orphans exit meanwhile: the watch must see no lasting zombie
	syscall.Kill(nsInit, syscall.SIGTERM)
	code, ok := p.Wait(60 * time.Second)
	z.finish(t)
	if !ok || code != 0 {
		t.Fatalf("SIGTERM: ok=%v code=%d\n%s", ok, code, p.Stderr.String())
	}
	b, _ := os.ReadFile(filepath.Join(tr.run, "s6-linux-init-container-results/haltcode"))
	if string(b) != "h\n" {
		t.Fatalf("haltcode %q, want h", b)
	}
}

// Not pid 1, init behaves as telinit and talks to the control fifo.
func TestInitNotPid1IsTelinit(t *testing.T) {
	dir := t.TempDir()
	r := harness.Run(t, "init", "-F", filepath.Join(dir, "nofifo"), "3")
	if r.Code != 111 || !strings.Contains(r.Stderr, "init: fatal: unable to talk to init") {
		t.Fatalf("code %d stderr %q", r.Code, r.Stderr)
	}
	fifo := filepath.Join(dir, "ctl")
	syscall.Mkfifo(fifo, 0o600)
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if r := harness.Run(t, "telinit", "-v", "1", "-F", fifo, "3"); r.Code != 0 {
		t.Fatalf("telinit: %d %s", r.Code, r.Stderr)
	}
	if r := harness.Run(t, "poweroff", "-F", fifo); r.Code != 0 {
		t.Fatalf("poweroff: %d %s", r.Code, r.Stderr)
	}
	buf := make([]byte, 64)
	n, _ := f.Read(buf)
	if got := buf[:n]; len(got) != 3+17 || string(got[:3]) != "l\x013" || got[3] != 'p' {
		t.Fatalf("control bytes %q", got)
	}
}

// The initramfs applet: same inputs, same bytes; the cpio tool reads it;
// errors name what is wrong.
func TestInitramfsApplet(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if r := harness.Run(t, "init-maker", "-1", "-b", "/bin/s6box", tree); r.Code != 0 {
		t.Fatalf("init-maker: %s", r.Stderr)
	}
	a, b := filepath.Join(dir, "a.gz"), filepath.Join(dir, "b.gz")
	for _, out := range []string{a, b} {
		if r := harness.Run(t, "initramfs", "-o", out, "-t", tree); r.Code != 0 {
			t.Fatalf("initramfs: %d %s", r.Code, r.Stderr)
		}
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ba) == 0 || string(ba) != string(bb) {
		t.Fatal("two builds of the same input differ")
	}
	if cpio, err := exec.LookPath("cpio"); harness.Optional(t, "cpio", err == nil) {
		out, err := exec.Command("sh", "-c", "gzip -dc "+a+" | "+cpio+" -t --quiet").Output()
		if err != nil {
			t.Fatalf("cpio -t: %v", err)
		}
		list := "\n" + string(out)
		for _, want := range []string{"\ninit\n", "\nbin/s6box\n", "\nsbin/poweroff\n", "\nbin/svscan\n",
			"\netc/s6-linux-init/current/run-image/service/s6-svscan-log/fifo\n"} {
			if !strings.Contains(list, want) {
				t.Errorf("image lacks %q", strings.TrimSpace(want))
			}
		}
	}
	if r := harness.Run(t, "initramfs", "-o", a, "-O", filepath.Join(dir, "missing")); r.Code != 111 || !strings.Contains(r.Stderr, "missing") {
		t.Fatalf("missing overlay: %d %q", r.Code, r.Stderr)
	}
	if r := harness.Run(t, "initramfs"); r.Code != 100 {
		t.Fatalf("no -o: %d", r.Code)
	}
}

// -W 3: init waits for EOF on fd 3 (Docker-style) before doing anything.
func TestReadinessFd(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, []string{"-W", "3"}, nil)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := harness.Command(t, "unshare", "--pid", "--fork", "--mount-proc", "--", filepath.Join(tr.dir, "bin/init"),
		"sh", "-c", "echo command ran; exit 4")
	cmd.ExtraFiles = []*os.File{r}
	p := harness.Start(t, cmd)
	r.Close()
	time.Sleep(500 * time.Millisecond)
	if _, err := os.Stat(tr.run); err == nil {
		t.Fatal("init prepared its run directory before fd 3 was closed")
	}
	w.Close()
	code, ok := p.Wait(60 * time.Second)
	if !ok || code != 4 {
		t.Fatalf("ok=%v code=%d\n%s", ok, code, p.Stderr.String())
	}
	if !strings.Contains(readLog(t, tr), "command ran") {
		t.Fatal("command did not run after fd 3 closed")
	}
}

// pid 1 restarts a scanner that dies; the services end up running exactly
// once (the scanner's job is not to duplicate them).
func TestScannerRestarted(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, nil, map[string]string{"svc": "#!/bin/sh\necho svc up\nexec sleep 1001\n"})
	cmd := harness.Command(t, "unshare", "--pid", "--fork", "--mount-proc", "--", filepath.Join(tr.dir, "bin/init"))
	p := harness.Start(t, cmd)
	harness.Eventually(t, 30*time.Second, "svc up", func() bool {
		b, _ := os.ReadFile(filepath.Join(tr.run, "uncaught-logs/current"))
		return strings.Contains(string(b), "svc up")
	})
	find := func(comm string) []int {
		var pids []int
		procs := readProcs()
		for pid, pr := range procs {
			if pr.comm == comm && descends(procs, pid, p.Pid()) {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	scanners := find("s6box")
	var scanner int
	for _, pid := range scanners {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.HasPrefix(string(b), "svscan\x00") {
			scanner = pid
		}
	}
	if scanner == 0 {
		t.Fatal("scanner not found")
	}
	syscall.Kill(scanner, syscall.SIGKILL)
	harness.Eventually(t, 30*time.Second, "a new scanner", func() bool {
		for _, pid := range find("s6box") {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); pid != scanner && strings.HasPrefix(string(b), "svscan\x00") {
				return true
			}
		}
		return false
	})
	time.Sleep(2 * time.Second) // let a duplicate appear if there is going to be one
	if n := len(find("sleep")); n != 1 {
		t.Fatalf("%d copies of the service after the scanner restart, want 1", n)
	}
	nsInit := 0
	for pid, pr := range readProcs() {
		if pr.ppid == p.Pid() {
			nsInit = pid
		}
	}
	syscall.Kill(nsInit, syscall.SIGTERM)
	if _, ok := p.Wait(60 * time.Second); !ok {
		t.Fatal("no halt after SIGTERM")
	}
}

// reboot in a container: the kernel turns reboot(2) into SIGHUP for the
// namespace's init (which util-linux unshare passes on).
func TestRebootIsSighup(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, nil, nil)
	_, p := runInit(t, tr, 60*time.Second, "sh", "-c", "reboot; sleep 100")
	ws, ok := p.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !(ws.Signaled() && ws.Signal() == syscall.SIGHUP || ws.ExitStatus() == 128+int(syscall.SIGHUP)) {
		t.Fatalf("status %v, want SIGHUP", p.Cmd.ProcessState)
	}
	if b, _ := os.ReadFile(filepath.Join(tr.run, "s6-linux-init-container-results/haltcode")); string(b) != "r\n" {
		t.Fatalf("haltcode %q", b)
	}
}

// -B: no catch-all logger; output goes straight to the container's stdout.
func TestNoLogger(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, []string{"-B"}, nil)
	r, _ := runInit(t, tr, 60*time.Second, "sh", "-c", "echo direct output; exit 6")
	if r.Code != 6 || !strings.Contains(r.Stdout, "direct output") {
		t.Fatalf("code %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(tr.run, "uncaught-logs")); err == nil {
		t.Fatal("uncaught-logs exists with -B")
	}
}

// pid 1 of a PID namespace that shares the host's mount namespace, not in
// container mode: everything it mounts at boot stays in a mount namespace
// of its own, and its shutdown neither unmounts nor remounts read-only
// what it shares with the host. The whole run happens inside an outer
// private mount namespace whose table is compared before and after, so a
// regression shows here without changing the test machine's mounts.
func TestGuestPid1LeavesHostMounts(t *testing.T) {
	needUnshare(t)
	base := t.TempDir()
	tr := tree{dir: filepath.Join(base, "tree"), run: filepath.Join(base, "run")}
	if r := harness.Run(t, "init-maker", "-1", "-b", harness.Binary(t), "-p", harness.BinDir(t)+":/usr/bin:/bin",
		"-c", tr.dir, "-l", tr.run, tr.dir); r.Code != 0 {
		t.Fatalf("init-maker: %d %s", r.Code, r.Stderr)
	}
	harness.WriteFile(t, filepath.Join(tr.dir, "scripts/rc.init"), "#!/bin/sh\necho GUEST-RCINIT-RAN\npoweroff\n", 0o755)
	script := `cat /proc/self/mountinfo > "$1/before"
unshare --pid --fork -- "$2/bin/init" </dev/null
cat /proc/self/mountinfo > "$1/after"`
	cmd := harness.Command(t, "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", base, tr.dir)
	r := harness.RunCmd(t, 90*time.Second, cmd)
	if !strings.Contains(r.Stdout+r.Stderr, "GUEST-RCINIT-RAN") {
		t.Fatalf("rc.init did not run: %d\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	mounts := func(f string) []string {
		b, err := os.ReadFile(filepath.Join(base, f))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			f := strings.Fields(l)
			if len(f) < 6 {
				continue
			}
			// mount point, per-mount options, filesystem options
			out = append(out, f[4]+" "+f[5]+" "+f[len(f)-1])
		}
		return out
	}
	before, after := mounts("before"), mounts("after")
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("the host's mounts changed\nbefore:\n%s\nafter:\n%s\ninit said:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"), r.Stderr)
	}
	for _, m := range after {
		if strings.HasPrefix(m, "/ ") && strings.Contains(" "+strings.Fields(m)[2]+",", ",ro,") {
			t.Errorf("the root was remounted read-only: %s", m)
		}
	}
}

// init-maker's command line: the binary that runs it is the default -b;
// a -b that does not exist is a warning; bad values exit 100.
func TestMakerCommandLine(t *testing.T) {
	self, err := filepath.EvalSymlinks(harness.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "tree")
	r := harness.Run(t, "s6-linux-init-maker", "-1", "-G", "/sbin/getty 38400 ttyS0", dir)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("maker: %d %q", r.Code, r.Stderr)
	}
	for _, f := range []string{"bin/init", "bin/poweroff", "run-image/service/s6-svscan-log/run", "run-image/service/s6-linux-init-early-getty/run"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !strings.HasPrefix(string(b), "#!"+self+" runscript\n") {
			t.Errorf("%s does not name %s: %q %v", f, self, b, err)
		}
	}
	r = harness.Run(t, "s6-linux-init-maker", "-b", "/nonexistent/s6box", "-L", filepath.Join(t.TempDir(), "t"))
	if r.Code != 0 || !strings.Contains(r.Stderr, "warning: /nonexistent/s6box does not exist") || !strings.Contains(r.Stderr, "warning: -L") {
		t.Errorf("-b elsewhere, -L: %d %q", r.Code, r.Stderr)
	}
	for _, bad := range [][]string{{"-d", "dev"}, {"-R", "x1"}, {"-s", "run/env"}, {"-t", "7"}, {"-E", "x"}} {
		r := harness.Run(t, "s6-linux-init-maker", append(bad, filepath.Join(t.TempDir(), "t"))...)
		if r.Code != 100 {
			t.Errorf("%v: exit %d, want 100: %s", bad, r.Code, r.Stderr)
		}
	}
}

// When the catch-all logger cannot start, init copies what waits in its
// fifo to the console, so the scanner's reason is seen.
func TestLateLoggerOutputShown(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, nil, nil)
	harness.WriteFile(t, filepath.Join(tr.dir, "run-image/service/s6-svscan-log/run"), "#!/nonexistent/interpreter\n", 0o755)
	r, _ := runInit(t, tr, 60*time.Second, "true")
	out := r.Stdout + r.Stderr
	if !strings.Contains(out, "not up after 10 seconds") || !strings.Contains(out, "unable to spawn") || !strings.Contains(out, "s6-svscan-log") {
		t.Fatalf("the logger's failure is not on the console:\nstdout: %s\nstderr: %s", r.Stdout, r.Stderr)
	}
}
