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
	if _, err := exec.LookPath("unshare"); err != nil || !harness.IsRoot() {
		if os.Getenv("CI") == "true" {
			t.Fatal("unshare and root are required in CI")
		}
		t.Skip("needs root and util-linux unshare")
	}
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
// of root. A zombie seen in two consecutive samples (same pid) was left
// unreaped; a single sighting is a process caught between exit and reap.
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
		prev := map[int]bool{}
		for {
			select {
			case <-z.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			cur := map[int]bool{}
			procs := readProcs()
			for pid, p := range procs {
				if p.state != 'Z' || !descends(procs, pid, root) {
					continue
				}
				cur[pid] = true
				if prev[pid] {
					z.mu.Lock()
					z.stuck = append(z.stuck, fmt.Sprintf("pid %d (%s) ppid %d", pid, p.comm, p.ppid))
					z.mu.Unlock()
				}
			}
			z.mu.Lock()
			z.sample++
			z.mu.Unlock()
			prev = cur
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
// runlevel words are not interpreted in a container.
func TestContainerCommand(t *testing.T) {
	needUnshare(t)
	tr := makeTree(t, nil, nil)
	r, _ := runInit(t, tr, 60*time.Second, "sh", "-c", `echo "args: $0 $*"; exit 42`, "3", "x y")
	if r.Code != 42 {
		t.Fatalf("exit code %d, want 42\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	if log := readLog(t, tr); !strings.Contains(log, "args: 3 x y") {
		t.Fatalf("command output or arguments wrong:\n%s", log)
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
	tr := makeTree(t, nil, map[string]string{"svc": "#!/bin/sh\necho svc up\nexec sleep 1000\n"})
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
