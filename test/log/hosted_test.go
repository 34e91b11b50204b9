package log_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"s6box/test/harness"
)

// The no-loss tests of reliability_test.go against a logger hosted by our
// svscan (README, "Hosted loggers"): the pipe is the scanner's, the logger
// a goroutine of it. The test writes into a fifo that the service copies
// into the pipe (`exec cat FIFO`).

type hostedSvc struct {
	t      *testing.T
	sc     *harness.Proc
	scan   string
	logsvc string
	w      *os.File // the fifo, opened for writing
}

// startHosted starts our svscan on a service copying a fifo into its
// logger, whose log/run is `#!/bin/sh exec s6-log ARGS`, and checks that
// the logger is hosted (its pid in status is the scanner's).
func startHosted(t *testing.T, args ...string) *hostedSvc {
	t.Helper()
	work := t.TempDir()
	h := &hostedSvc{t: t, scan: filepath.Join(work, "sc")}
	fifo := filepath.Join(work, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(h.scan, "p", "run"), "#!/bin/sh\nexec cat "+fifo+"\n", 0o755)
	h.logsvc = filepath.Join(h.scan, "p", "log")
	harness.WriteFile(t, filepath.Join(h.logsvc, "run"), "#!/bin/sh\nexec s6-log "+strings.Join(args, " ")+"\n", 0o755)
	h.sc = harness.Start(t, harness.Command(t, "s6-svscan", h.scan))
	opened := make(chan *os.File, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			opened <- nil
			return
		}
		opened <- f
	}()
	select {
	case h.w = <-opened:
		if h.w == nil {
			t.Fatal("unable to open the fifo")
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("the service never opened the fifo; scanner: %s", h.sc.Stderr.String())
	}
	t.Cleanup(func() { h.w.Close() })
	harness.Eventually(t, 30*time.Second, "the logger up", func() bool { return h.loggerPid() != 0 })
	if pid := h.loggerPid(); pid != h.sc.Pid() {
		t.Fatalf("logger pid %d, want the scanner's %d (hosted); scanner: %s", pid, h.sc.Pid(), h.sc.Stderr.String())
	}
	return h
}

// loggerPid is the pid the logger's supervise/status records, 0 when down.
func (h *hostedSvc) loggerPid() int {
	r := harness.Run(h.t, "s6-svstat", "-o", "pid", h.logsvc)
	n, _ := strconv.Atoi(strings.TrimSpace(r.Stdout))
	if n < 0 {
		return 0
	}
	return n
}

// deaths is the number of entries in the logger's death_tally.
func (h *hostedSvc) deaths() int64 {
	st, err := os.Stat(filepath.Join(h.logsvc, "supervise", "death_tally"))
	if err != nil {
		return 0
	}
	return st.Size()
}

// stop tears the scanner down and waits for it.
func (h *hostedSvc) stop(t *testing.T) {
	t.Helper()
	harness.Run(t, "s6-svscanctl", "-t", h.scan)
	if _, ok := h.sc.Wait(60 * time.Second); !ok {
		t.Fatalf("svscan did not exit after svscanctl -t: %s", h.sc.Stderr.String())
	}
}

// waitLast waits until the last line of the logdir is number n.
func waitLast(t *testing.T, dir string, n int64) {
	t.Helper()
	last := fmt.Sprintf("line %08d", n)
	harness.Eventually(t, 120*time.Second, "the last line in the logdir", func() bool {
		if _, err := os.Stat(filepath.Join(dir, "current")); err != nil {
			return false
		}
		lines := logdirLines(t, dir)
		return len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], last)
	})
}

// TestHostedSigkill: s6-svc -k on a hosted logger under load loses at most
// what it had read and not written, leaves no duplicate, and the next run
// salvages current as a .u archive, as with an s6-log process.
func TestHostedSigkill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	h := startHosted(t, "s100000", "n1000", dir)
	prod := startProducer(h.w, 40)
	const kills = 5
	for i := 0; i < kills; i++ {
		time.Sleep(100 * time.Millisecond)
		before := h.deaths()
		harness.Run(t, "s6-svc", "-k", h.logsvc)
		harness.Eventually(t, 30*time.Second, "the kill recorded", func() bool { return h.deaths() > before })
		harness.Eventually(t, 30*time.Second, "the logger up again", func() bool { return h.loggerPid() == h.sc.Pid() })
	}
	total := prod.Stop()
	h.w.SetWriteDeadline(time.Time{})
	fmt.Fprintf(h.w, "line %08d end\n", total)
	waitLast(t, dir, total)
	h.stop(t)
	// A kill drops the head of a line the logger had read in part, as
	// SIGKILL of an s6-log process does; the next logger reads its tail
	// as a line of its own. At most one such tail per kill.
	var whole []string
	tails := 0
	for _, l := range logdirLines(t, dir) {
		if strings.HasPrefix(l, "line ") {
			whole = append(whole, l)
			continue
		}
		digitsAsZero := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return '0'
			}
			return r
		}, l)
		if !strings.HasSuffix("line 00000000 "+strings.Repeat("x", 40), digitsAsZero) {
			t.Fatalf("corrupt line in logdir: %q", l)
		}
		tails++
	}
	if tails > kills {
		t.Errorf("%d partial lines for %d kills", tails, kills)
	}
	got := numbers(t, whole)
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("duplicate or reordered line %d after %d", got[i], got[i-1])
		}
	}
	lost := total + 1 - int64(len(got))
	if us, _ := filepath.Glob(filepath.Join(dir, "@*.u")); len(us) < kills {
		t.Errorf("%d kills but %d .u archives", kills, len(us))
	}
	noTransientFiles(t, dir)
	if max := int64(kills * (256 << 10) / 55); lost > max {
		t.Errorf("lost %d lines over %d kills, more than one read buffer each (%d)", lost, kills, max)
	}
	t.Logf("svc -k x%d under load: %d of %d lines lost", kills, lost, total+1)
}

// mountFull mounts a tmpfs of size and fills it; it returns the mount point
// and the filler to remove.
func mountFull(t *testing.T, size string, fill int) (string, string) {
	t.Helper()
	harness.NeedRoot(t, "mounts a tmpfs")
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", mnt).CombinedOutput(); err != nil {
		harness.SkipOrFail(t, "cannot mount tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, fill)) // fills the tmpfs; error expected
	f.Close()
	return mnt, filler
}

// TestHostedDiskFull: a hosted logger on a full disk warns, keeps its lines
// and writes them all once there is room; the scanner and other loggers
// are not held up meanwhile.
func TestHostedDiskFull(t *testing.T) {
	mnt, filler := mountFull(t, "256k", 400<<10)
	dir := filepath.Join(mnt, "log")
	h := startHosted(t, "r200", "s1000000", dir)
	const total = 2000
	for i := 0; i < total; i++ {
		fmt.Fprintf(h.w, "line %08d %s\n", i, strings.Repeat("y", 40))
	}
	harness.Eventually(t, 30*time.Second, "a write-failure warning", func() bool {
		return strings.Contains(h.sc.Stderr.String(), "unable to write")
	})
	// The scanner still answers: its control fifo and another service.
	other := filepath.Join(h.scan, "q")
	harness.WriteFile(t, filepath.Join(other, "run"), "#!/bin/sh\nexec sleep 1000\n", 0o755)
	harness.Run(t, "s6-svscanctl", "-a", h.scan)
	harness.Eventually(t, 30*time.Second, "a new service up", func() bool {
		r := harness.Run(t, "s6-svstat", "-o", "up", other)
		return strings.TrimSpace(r.Stdout) == "true"
	})
	os.Remove(filler)
	waitLast(t, dir, total-1)
	h.stop(t)
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), total)
}

// TestHostedBackpressure: with -b and the disk full, a hosted logger stops
// reading: the writer blocks instead of the scanner's memory growing.
func TestHostedBackpressure(t *testing.T) {
	mnt, filler := mountFull(t, "1m", 2<<20)
	dir := filepath.Join(mnt, "log")
	h := startHosted(t, "-b", "r100", dir)
	prod := startProducer(h.w, 40)
	harness.Eventually(t, 30*time.Second, "the producer blocked", func() bool {
		a := prod.n.Load()
		time.Sleep(300 * time.Millisecond)
		return a > 0 && prod.n.Load() == a
	})
	// The fifo and the scanner's pipe (64 KiB each), cat's buffer (128
	// KiB) and one read buffer bound what was accepted.
	if blocked := prod.n.Load(); blocked > (64<<10+128<<10+64<<10+256<<10)/55+100 {
		t.Errorf("producer wrote %d lines before blocking: the logger kept reading", blocked)
	}
	total := prod.Stop()
	os.Remove(filler)
	h.w.SetWriteDeadline(time.Time{})
	fmt.Fprintf(h.w, "line %08d\n", total)
	waitLast(t, dir, total)
	h.stop(t)
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), total+1)
}

// TestHostedSetuidgid: a hosted logger behind s6-setuidgid writes its
// logdir as that user, and its processor runs as that user.
func TestHostedSetuidgid(t *testing.T) {
	harness.NeedRoot(t, "switches to another user")
	const uid, gid = 4321, 4322
	// The user must reach the logdir: t.TempDir's parent is private.
	base, err := os.MkdirTemp("", "hosted-setuidgid")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o777)
	dir := filepath.Join(base, "log")
	work := t.TempDir()
	scan := filepath.Join(work, "sc")
	harness.WriteFile(t, filepath.Join(scan, "p", "run"), "#!/bin/sh\necho one\necho two\nexec sleep 1000\n", 0o755)
	logsvc := filepath.Join(scan, "p", "log")
	harness.WriteFile(t, filepath.Join(logsvc, "run"), fmt.Sprintf("#!/bin/sh\nexec s6-setuidgid %d:%d s6-log \"!id -u\" %s\n", uid, gid, dir), 0o755)
	sc := harness.Start(t, harness.Command(t, "s6-svscan", scan))
	harness.Eventually(t, 30*time.Second, "both lines logged", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return string(b) == "one\ntwo\n"
	})
	r := harness.Run(t, "s6-svstat", "-o", "pid", logsvc)
	if strings.TrimSpace(r.Stdout) != strconv.Itoa(sc.Pid()) {
		t.Fatalf("logger pid %q, want the scanner's %d: %s", r.Stdout, sc.Pid(), sc.Stderr.String())
	}
	harness.Run(t, "s6-svc", "-a", logsvc)
	var archive string
	harness.Eventually(t, 30*time.Second, "the processed archive", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
		if len(m) == 1 {
			archive = m[0]
		}
		return len(m) == 1
	})
	if b, _ := os.ReadFile(archive); strings.TrimSpace(string(b)) != strconv.Itoa(uid) {
		t.Errorf("the processor ran as uid %q, want %d", b, uid)
	}
	for _, p := range []string{dir, filepath.Join(dir, "current"), filepath.Join(dir, "lock"), archive} {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil || st.Uid != uid || st.Gid != gid {
			t.Errorf("%s: owner %d:%d (%v), want %d:%d", p, st.Uid, st.Gid, err, uid, gid)
		}
	}
	// The scanner's own files are still created as root.
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(logsvc, "supervise", "status"), &st); err != nil || st.Uid != 0 {
		t.Errorf("supervise/status owned by %d (%v), want root", st.Uid, err)
	}
	harness.Run(t, "s6-svscanctl", "-t", scan)
	if _, ok := sc.Wait(60 * time.Second); !ok {
		t.Fatal("svscan did not exit")
	}
}

// TestHostedWithS6Tools: Debian's s6-svc, s6-svstat and s6-svwait drive a
// hosted logger as they would a process.
func TestHostedWithS6Tools(t *testing.T) {
	svc := harness.RealS6(t, "s6-svc")
	svwait := harness.RealS6(t, "s6-svwait")
	svstat := harness.RealS6(t, "s6-svstat")
	dir := filepath.Join(t.TempDir(), "log")
	h := startHosted(t, "n10", dir)
	fmt.Fprintf(h.w, "line %08d\n", 0)
	waitLast(t, dir, 0)
	run := func(prog string, args ...string) string {
		t.Helper()
		r := harness.Run(t, prog, append(args, h.logsvc)...)
		if r.Code != 0 {
			t.Fatalf("%s %v: exit %d: %s", prog, args, r.Code, r.Stderr)
		}
		return strings.TrimSpace(r.Stdout)
	}
	if got := run(svstat, "-o", "up,pid"); got != "true "+strconv.Itoa(h.sc.Pid()) {
		t.Fatalf("s6-svstat: %q, want up with the scanner's pid", got)
	}
	run(svc, "-a")
	harness.Eventually(t, 30*time.Second, "an archive after s6-svc -a", func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
		return len(m) == 1
	})
	run(svc, "-wD", "-T", "30000", "-d")
	if got := run(svstat, "-o", "up,wantedup"); got != "false false" {
		t.Fatalf("after -d: %q", got)
	}
	fmt.Fprintf(h.w, "line %08d\n", 1) // waits in the scanner's pipe
	run(svc, "-wu", "-T", "30000", "-u")
	waitLast(t, dir, 1)
	run(svc, "-t")
	run(svwait, "-u", "-t", "30000")
	fmt.Fprintf(h.w, "line %08d\n", 2)
	waitLast(t, dir, 2)
	// -x: the supervisor leaves once the logger is down; the scanner
	// starts a new one, which starts the logger again.
	if h.deaths() == 0 {
		t.Fatal("no death recorded after -d and -t")
	}
	run(svc, "-x")
	run(svc, "-d")
	// A new supervisor starts with an empty death tally.
	harness.Eventually(t, 30*time.Second, "a new supervisor with the logger up", func() bool {
		return h.deaths() == 0 && h.loggerPid() == h.sc.Pid()
	})
	fmt.Fprintf(h.w, "line %08d\n", 3)
	waitLast(t, dir, 3)
	h.stop(t)
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), 4)
}
