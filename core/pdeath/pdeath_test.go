package pdeath

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
