package reaper

import (
	"os"
	"syscall"
	"testing"
	"time"
)

func TestExitStatusesAreDelivered(t *testing.T) {
	r := Start(nil)
	defer r.Stop()
	attr := &syscall.ProcAttr{Files: []uintptr{0, 1, 2}, Env: os.Environ()}
	var chans []<-chan Exit
	for i := 0; i < 50; i++ {
		_, ch, err := r.StartProcess("/bin/sh", []string{"sh", "-c", "exit 7"}, attr)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	for i, ch := range chans {
		select {
		case e := <-ch:
			if !e.Status.Exited() || e.Status.ExitStatus() != 7 {
				t.Fatalf("child %d: status %v", i, e.Status)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("child %d never reaped", i)
		}
	}
}

func TestSignalledChild(t *testing.T) {
	r := Start(nil)
	defer r.Stop()
	attr := &syscall.ProcAttr{Files: []uintptr{0, 1, 2}}
	pid, ch, err := r.StartProcess("/bin/sleep", []string{"sleep", "30"}, attr)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	select {
	case e := <-ch:
		if !e.Status.Signaled() || e.Status.Signal() != syscall.SIGKILL || e.Pid != pid {
			t.Fatalf("%+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not reaped")
	}
}
