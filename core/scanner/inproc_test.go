package scanner

import (
	"os"
	"syscall"
	"testing"
	"time"

	"s6box/core/reaper"
)

func TestIsOurChild(t *testing.T) {
	r := reaper.Start(nil)
	defer r.Stop()
	pid, exit, err := r.StartProcess("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	if !isOurChild(pid) {
		t.Fatalf("running child %d not recognised", pid)
	}
	if isOurChild(os.Getppid()) || isOurChild(1) {
		t.Fatal("a non-child recognised as ours")
	}
	syscall.Kill(pid, syscall.SIGKILL)
	select {
	case <-exit:
	case <-time.After(30 * time.Second):
		t.Fatal("child not reaped")
	}
	if isOurChild(pid) {
		t.Fatal("reaped child still recognised")
	}
}
