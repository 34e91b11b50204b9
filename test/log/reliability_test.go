package log_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

// startLogger runs our s6-log reading from r and waits for its readiness
// notification (-d 3), so that signals find its handlers installed.
func startLogger(t *testing.T, r *os.File, args ...string) *harness.Proc {
	t.Helper()
	nr, nw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer nr.Close()
	cmd := harness.Command(t, "s6-log", append([]string{"-d3"}, args...)...)
	cmd.Stdin = r
	cmd.ExtraFiles = []*os.File{nw}
	p := harness.Start(t, cmd)
	nw.Close()
	nr.SetReadDeadline(time.Now().Add(30 * time.Second))
	b := make([]byte, 1)
	if n, err := nr.Read(b); n != 1 || b[0] != '\n' {
		t.Fatalf("no readiness notification from s6-log: %v; stderr: %s", err, p.Stderr.String())
	}
	return p
}

func waitExit(t *testing.T, p *harness.Proc, what string) int {
	t.Helper()
	code, ok := p.Wait(60 * time.Second)
	if !ok {
		t.Fatalf("%s: logger still running after 60 s; stderr: %s", what, p.Stderr.String())
	}
	return code
}

// TestRestartsLoseNothing: the test holds both ends of a pipe as svscan
// does; a producer keeps writing; the logger is stopped with SIGTERM 50
// times and restarted. Every line must be in the logdir exactly once.
func TestRestartsLoseNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	prod := startProducer(w, 40)
	for i := 0; i < 50; i++ {
		p := startLogger(t, r, "s100000", "n1000", dir)
		time.Sleep(time.Duration(10+i%5*10) * time.Millisecond)
		p.Signal(syscall.SIGTERM)
		if code := waitExit(t, p, fmt.Sprintf("restart %d", i)); code != 0 {
			t.Fatalf("restart %d: exit %d: %s", i, code, p.Stderr.String())
		}
	}
	total := prod.Stop()
	w.Close()
	p := startLogger(t, r, "s100000", "n1000", dir)
	if code := waitExit(t, p, "final run"); code != 0 {
		t.Fatalf("final run exit %d: %s", code, p.Stderr.String())
	}
	got := numbers(t, logdirLines(t, dir))
	checkExactlyOnce(t, got, total)
	noTransientFiles(t, dir)
	st, err := os.Stat(filepath.Join(dir, "current"))
	if err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("current not marked cleanly closed: %v %v", st.Mode(), err)
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "@*.u")); len(ents) != 0 {
		t.Errorf("clean stops produced .u archives: %v", ents)
	}
	t.Logf("%d lines across 51 logger runs, none lost or duplicated", total)
}

// TestSigkillUnderLoad: SIGKILL loses at most what the killed logger had
// read and not written (one read buffer); the logdir stays well-formed and
// the next start salvages current as a .u archive.
func TestSigkillUnderLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	prod := startProducer(w, 40)
	const kills = 5
	for i := 0; i < kills; i++ {
		p := startLogger(t, r, "s100000", "n1000", dir)
		time.Sleep(100 * time.Millisecond)
		syscall.Kill(p.Pid(), syscall.SIGKILL)
		waitExit(t, p, "kill")
	}
	total := prod.Stop()
	w.Close()
	p := startLogger(t, r, "s100000", "n1000", dir)
	if code := waitExit(t, p, "final"); code != 0 {
		t.Fatalf("final exit %d: %s", code, p.Stderr.String())
	}
	got := numbers(t, logdirLines(t, dir))
	lost := total - int64(len(got))
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("duplicate or reordered line %d after %d", got[i], got[i-1])
		}
	}
	us, _ := filepath.Glob(filepath.Join(dir, "@*.u"))
	if len(us) < kills {
		t.Errorf("%d kills but %d .u archives", kills, len(us))
	}
	noTransientFiles(t, dir)
	// One read buffer is 256 KiB; a line is 55 bytes.
	if max := int64(kills * (256 << 10) / 55); lost > max {
		t.Errorf("lost %d lines over %d kills, more than one read buffer each (%d)", lost, kills, max)
	}
	t.Logf("SIGKILL x%d under load: %d of %d lines lost (at most one read buffer per kill)", kills, lost, total)
}

// TestDiskFull: on a full tmpfs the logger warns, keeps the lines in memory,
// retries after the cooldown and writes everything once space is freed.
func TestDiskFull(t *testing.T) {
	harness.NeedRoot(t, "mounts a tmpfs")
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		harness.SkipOrFail(t, "cannot mount tmpfs (%v: %s); skipping the disk-full test", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	dir := filepath.Join(mnt, "log")
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 400<<10)) // fills the tmpfs; error expected
	f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := startLogger(t, r, "r200", "s1000000", dir)
	var total int64
	for ; total < 2000; total++ {
		fmt.Fprintf(w, "line %08d %s\n", total, strings.Repeat("y", 40))
	}
	w.Close()
	harness.Eventually(t, 30*time.Second, "a write-failure warning", func() bool {
		return strings.Contains(p.Stderr.String(), "unable to write")
	})
	if p.Exited() {
		t.Fatalf("logger exited with the disk full: %s", p.Stderr.String())
	}
	os.Remove(filler)
	if code := waitExit(t, p, "after freeing space"); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Stderr.String())
	}
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), total)
}

// TestCrashRecovery lays out the files a crash leaves behind at each step
// of a rotation or processor run, and checks the next start recovers as s6
// does (and as real s6-log does on the same layout).
func TestCrashRecovery(t *testing.T) {
	cases := []struct {
		name     string
		files    map[string]os.FileMode // name → mode (content = name)
		wantS    []string               // contents archived as .s
		wantU    []string               // contents archived as .u
		wantGone []string
	}{
		{"crash after rename, before processor",
			map[string]os.FileMode{"previous": 0o744, "current": 0o644, "state": 0o644},
			nil, []string{"previous", "current"}, []string{"previous"}},
		{"processor killed mid-way",
			map[string]os.FileMode{"previous": 0o744, "processed": 0o644, "newstate": 0o644, "current": 0o644, "state": 0o644},
			nil, []string{"previous", "current"}, []string{"previous", "processed", "newstate"}},
		{"crash after processor finished",
			map[string]os.FileMode{"previous": 0o744, "processed": 0o744, "newstate": 0o644, "current": 0o644, "state": 0o644},
			[]string{"processed"}, []string{"current"}, []string{"previous", "processed", "newstate"}},
		{"clean current is kept",
			map[string]os.FileMode{"current": 0o744},
			nil, nil, nil},
	}
	impls := []string{"ours"}
	if harness.Optional(t, "real s6-log (/usr/bin/s6-log)", harness.Exists("/usr/bin/s6-log")) {
		impls = append(impls, "/usr/bin/s6-log")
	}
	for _, c := range cases {
		for _, impl := range impls {
			t.Run(c.name+"/"+filepath.Base(impl), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "log")
				for n, m := range c.files {
					harness.WriteFile(t, filepath.Join(dir, n), n+"\n", m)
				}
				os.Chmod(dir, 0o700)
				prog := "s6-log"
				if impl != "ours" {
					prog = impl
				}
				cmd := harness.Command(t, prog, dir)
				cmd.Stdin = strings.NewReader("")
				res := harness.RunCmd(t, 30*time.Second, cmd)
				if impl != "ours" && res.Code == 111 && strings.Contains(res.Stderr, "File exists") {
					// 2.11 stamps both salvaged files with one clock read, so the
					// second link collides; s6box takes a fresh stamp instead.
					// That known failure is the expected outcome for 2.11.
					t.Logf("real s6-log 2.11 cannot recover this layout, as expected: %s", strings.TrimSpace(res.Stderr))
					return
				}
				if res.Code != 0 {
					t.Fatalf("exit %d: %s", res.Code, res.Stderr)
				}
				for _, n := range c.wantGone {
					if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
						t.Errorf("%s still there", n)
					}
				}
				arch := map[byte][]string{}
				ms, _ := filepath.Glob(filepath.Join(dir, "@*"))
				for _, m := range ms {
					b, _ := os.ReadFile(m)
					arch[m[len(m)-1]] = append(arch[m[len(m)-1]], strings.TrimSpace(string(b)))
				}
				if fmt.Sprint(arch['s']) != fmt.Sprint(c.wantS) || fmt.Sprint(arch['u']) != fmt.Sprint(c.wantU) {
					t.Errorf("archives .s=%v .u=%v, want .s=%v .u=%v", arch['s'], arch['u'], c.wantS, c.wantU)
				}
				st, err := os.Stat(filepath.Join(dir, "current"))
				if err != nil || st.Mode()&0o100 == 0 {
					t.Errorf("current after clean exit: %v %v", st, err)
				}
				if c.name == "clean current is kept" {
					if b, _ := os.ReadFile(filepath.Join(dir, "current")); string(b) != "current\n" {
						t.Errorf("clean current rewritten: %q", b)
					}
				}
			})
		}
	}
}

// TestProcessorCrashRetried: a processor that fails is retried after the
// cooldown; once it succeeds its output is the archive and newstate becomes
// state.
func TestProcessorCrashRetried(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "log")
	flag := filepath.Join(tmp, "fail-once")
	harness.WriteFile(t, flag, "", 0o644)
	proc := fmt.Sprintf("?if [ -e %s ]; then rm %s; kill -9 $$; fi; tr a-z A-Z; cat <&4; echo next >&5", flag, flag)
	var in strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&in, "line %08d %s\n", i, strings.Repeat("z", 40))
	}
	cmd := harness.Command(t, "s6-log", "r100", "s4096", proc, dir)
	cmd.Stdin = strings.NewReader(in.String())
	res := harness.RunCmd(t, 60*time.Second, cmd)
	if res.Code != 0 || !strings.Contains(res.Stderr, "processor") {
		t.Fatalf("exit %d, stderr %q (want a processor warning)", res.Code, res.Stderr)
	}
	ss, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
	if len(ss) == 0 {
		t.Fatal("no archive")
	}
	first, _ := os.ReadFile(ss[0])
	if !strings.HasPrefix(string(first), "LINE 00000000 ZZZ") {
		t.Errorf("first archive is not the processor's output: %.40q", first)
	}
	if len(ss) > 1 {
		second, _ := os.ReadFile(ss[1])
		if !strings.HasSuffix(string(second), "\nnext\n") {
			t.Errorf("state from fd 5 not passed to the next run on fd 4: %q", second[len(second)-20:])
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "state")); string(b) != "next\n" {
		t.Errorf("state = %q", b)
	}
	noTransientFiles(t, dir)
}

// TestRotationSignalsAndTimer: SIGALRM rotates a non-empty current; R1
// (2.14+) rotates every second.
func TestRotationSignalsAndTimer(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		alrm bool
	}{{"SIGALRM", nil, true}, {"R1", []string{"R1"}, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "log")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			p := startLogger(t, r, append(c.args, dir)...)
			fmt.Fprintf(w, "line 00000000\nline 00000001\n")
			harness.Eventually(t, 30*time.Second, "lines in current", func() bool {
				b, _ := os.ReadFile(filepath.Join(dir, "current"))
				return len(b) == 28
			})
			if c.alrm {
				p.Signal(syscall.SIGALRM)
			}
			harness.Eventually(t, 30*time.Second, "an archive", func() bool {
				ms, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
				return len(ms) == 1
			})
			fmt.Fprintf(w, "line 00000002\n")
			w.Close()
			if code := waitExit(t, p, "EOF"); code != 0 {
				t.Fatalf("exit %d: %s", code, p.Stderr.String())
			}
			checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), 3)
		})
	}
}

// TestBackpressure: with -b and the disk full, the logger stops reading:
// the producer's writes block instead of the logger's memory growing.
func TestBackpressure(t *testing.T) {
	harness.NeedRoot(t, "mounts a tmpfs")
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		harness.SkipOrFail(t, "cannot mount tmpfs (%v: %s); skipping", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	dir := filepath.Join(mnt, "log")
	filler := filepath.Join(mnt, "filler")
	f, _ := os.Create(filler)
	f.Write(make([]byte, 2<<20)) // fills the tmpfs; error expected
	f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := startLogger(t, r, "-b", "r100", dir)
	prod := startProducer(w, 40)
	harness.Eventually(t, 30*time.Second, "the producer blocked on a full pipe", func() bool {
		a := prod.n.Load()
		time.Sleep(300 * time.Millisecond)
		return a > 0 && prod.n.Load() == a
	})
	blocked := prod.n.Load()
	// Without -b the logger would have read everything into memory; with it
	// the pipe (64 KiB) plus one read buffer bound what was accepted.
	if blocked > (64<<10+256<<10)/55+100 {
		t.Errorf("producer wrote %d lines before blocking: the logger kept reading", blocked)
	}
	total := prod.Stop()
	w.Close()
	os.Remove(filler)
	if code := waitExit(t, p, "after freeing space"); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Stderr.String())
	}
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), total)
}

// TestStopFinishesPartialLine: on SIGTERM with half a line read, the logger
// reads the rest of that line byte by byte and leaves what follows in the
// pipe for its successor; with -t it gives up waiting and logs the part.
func TestStopFinishesPartialLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p := startLogger(t, r, "-v", "-t0", dir)
	fmt.Fprint(w, "first\npart")
	harness.Eventually(t, 30*time.Second, "first line in current", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return string(b) == "first\n"
	})
	p.Signal(syscall.SIGTERM)
	// -v says when the stop is seen; data written before that is read
	// normally (and logged), which would not test the byte-by-byte path.
	harness.Eventually(t, 30*time.Second, "the stop noticed", func() bool {
		return strings.Contains(p.Stderr.String(), "partial line")
	})
	fmt.Fprint(w, "ial\nnext line\n")
	if code := waitExit(t, p, "stop"); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "current")); string(b) != "first\npartial\n" {
		t.Fatalf("current = %q", b)
	}
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest := make([]byte, 100)
	n, _ := r.Read(rest)
	if string(rest[:n]) != "next line\n" {
		t.Fatalf("left in the pipe: %q, want the next line untouched", rest[:n])
	}

	// -t 100: the rest never comes; the part is logged with a newline.
	p = startLogger(t, r, "-t100", dir)
	fmt.Fprint(w, "second\nhalf")
	harness.Eventually(t, 30*time.Second, "second line in current", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return strings.HasSuffix(string(b), "second\n")
	})
	p.Signal(syscall.SIGTERM)
	if code := waitExit(t, p, "stop with -t"); code != 0 {
		t.Fatalf("exit %d: %s", code, p.Stderr.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "current")); string(b) != "first\npartial\nsecond\nhalf\n" {
		t.Fatalf("current = %q", b)
	}
}
