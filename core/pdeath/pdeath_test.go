package pdeath

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/reaper"
)

// TestChildDiesWithParent runs a helper process that spawns a sleep through
// the Spawner, kills the helper with SIGKILL and checks the sleep dies too.
func TestChildDiesWithParent(t *testing.T) {
	if os.Getenv("PDEATH_HELPER") == "1" {
		r := reaper.Start(nil)
		s := New(r)
		pid, _, err := s.Spawn("/bin/sleep", []string{"sleep", "1000"}, &syscall.ProcAttr{})
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString(strconv.Itoa(pid) + "\n")
		// Make other threads come and go while we wait to be killed.
		for {
			go func() { time.Sleep(time.Millisecond) }()
			time.Sleep(10 * time.Millisecond)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=TestChildDiesWithParent")
	cmd.Env = append(os.Environ(), "PDEATH_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q", buf[:n])
	}
	if syscall.Kill(pid, 0) != nil {
		t.Fatalf("child %d not running while its parent lives", pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The orphan is reparented to init (or a subreaper) which reaps it.
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(data), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d survived its parent's SIGKILL", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSpawnDoesNotModifyAttr(t *testing.T) {
	r := reaper.Start(nil)
	defer r.Stop()
	s := New(r)
	sys := &syscall.SysProcAttr{Setsid: true}
	attr := &syscall.ProcAttr{Sys: sys}
	_, exit, err := s.Spawn("/bin/true", []string{"true"}, attr)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-exit:
		if e.Status.ExitStatus() != 0 {
			t.Fatalf("true exited %v", e.Status)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit reported")
	}
	if sys.Pdeathsig != 0 || attr.Sys != sys {
		t.Fatal("caller's attributes were modified")
	}
}

// TestPrivateTable checks that the spawning thread runs with a small table
// of its own while the process holds hundreds of descriptors, and that a
// child still gets its stdio, a descriptor at a higher position and a
// working directory reached through /proc/self/fd/N of the process.
func TestPrivateTable(t *testing.T) {
	var held []int
	defer func() {
		for _, fd := range held {
			syscall.Close(fd)
		}
	}()
	for i := 0; i < 300; i++ {
		fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, fd)
	}
	r := reaper.Start(nil)
	defer r.Stop()
	s := New(r)
	if s.priv == nil {
		t.Fatal("the spawning thread shares the process's descriptor table")
	}
	ents, err := os.ReadDir("/proc/self/task/" + strconv.Itoa(s.priv.tid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > 10 {
		t.Fatalf("the spawning thread's table has %d entries while the process has over 300", len(ents))
	}

	dir := t.TempDir()
	pin, err := syscall.Open(dir, unix.O_PATH|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pin)
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer outR.Close()
	fiveR, fiveW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer fiveR.Close()
	none := ^uintptr(0)
	attr := &syscall.ProcAttr{
		Dir:   "/proc/self/fd/" + strconv.Itoa(pin),
		Files: []uintptr{uintptr(held[0]), outW.Fd(), outW.Fd(), none, none, fiveW.Fd()},
	}
	_, exit, err := s.Spawn("/bin/sh", []string{"sh", "-c", "pwd -P; echo five >&5; ls /proc/self/fd"}, attr)
	outW.Close()
	fiveW.Close()
	if err != nil {
		t.Fatal(err)
	}
	outR.SetReadDeadline(time.Now().Add(30 * time.Second))
	fiveR.SetReadDeadline(time.Now().Add(30 * time.Second))
	out, err := io.ReadAll(outR)
	if err != nil {
		t.Fatal(err)
	}
	five, err := io.ReadAll(fiveR)
	if err != nil {
		t.Fatal(err)
	}
	<-exit
	lines := strings.Fields(string(out))
	real, _ := filepath.EvalSymlinks(dir)
	if len(lines) == 0 || lines[0] != real {
		t.Fatalf("child's output %q: want its cwd %s first", out, real)
	}
	if string(five) != "five\n" {
		t.Fatalf("descriptor 5 carried %q", five)
	}
	// ls lists 0 1 2 5 and its own directory descriptor, nothing else.
	if len(lines) > 6 {
		t.Fatalf("the child has descriptors %v", lines[1:])
	}
}

// TestPrivateTableKeepsNoCopy checks that a pipe opened before the split is
// not held open by the spawning thread's table: closing the write end in
// the process must still give the reader end-of-file (a readiness pipe).
func TestPrivateTableKeepsNoCopy(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	r := reaper.Start(nil)
	defer r.Stop()
	s := New(r)
	if s.priv == nil {
		t.Fatal("the spawning thread shares the process's descriptor table")
	}
	pw.Close()
	pr.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	if _, err := pr.Read(b[:]); err != io.EOF {
		t.Fatalf("read after closing the write end: %v, want EOF", err)
	}
}

// TestPoolConcurrentSpawns: many spawns at once over several threads, of
// children that exit at once: every exit reaches its spawner (a child
// reaped before its fork registered it would be lost).
func TestPoolConcurrentSpawns(t *testing.T) {
	r := reaper.Start(nil)
	defer r.Stop()
	p := NewPool(r, 3)
	const n = 60
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, exit, err := p.Spawn("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{})
			if err != nil {
				errs <- err
				return
			}
			select {
			case e := <-exit:
				if !e.Status.Exited() || e.Status.ExitStatus() != 7 {
					errs <- fmt.Errorf("pid %d: wait status %v, want exit 7", e.Pid, e.Status)
					return
				}
				errs <- nil
			case <-time.After(60 * time.Second):
				errs <- errors.New("an exit never arrived")
			}
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
