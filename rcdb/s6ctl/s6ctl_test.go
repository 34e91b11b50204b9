package s6ctl

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"s6box/core/ftrig"
	"s6box/core/status"
)

// fakeSupervisor answers control bytes on DIR/supervise/control by updating
// DIR/supervise/status and notifying DIR/event, according to script: for
// each received byte the status to write and the events to send.
type step struct {
	st     status.Status
	events string
}

func fake(t *testing.T, script map[byte]step) string {
	dir := t.TempDir()
	sup := filepath.Join(dir, "supervise")
	os.Mkdir(sup, 0o700)
	if err := syscall.Mkfifo(filepath.Join(sup, "control"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ftrig.MakeFifodir(filepath.Join(dir, "event"), false, false); err != nil {
		t.Fatal(err)
	}
	initial := status.Status{Ready: true}
	if s, ok := script[0]; ok { // key 0: the status before any command
		initial = s.st
	}
	status.Write(sup, initial)
	f, err := os.OpenFile(filepath.Join(sup, "control"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	go func() {
		b := make([]byte, 16)
		for {
			n, err := f.Read(b)
			if err != nil {
				return
			}
			for _, c := range b[:n] {
				if s, ok := script[c]; ok {
					status.Write(sup, s.st)
					if s.events != "" {
						ftrig.Notify(filepath.Join(dir, "event"), []byte(s.events))
					}
				}
			}
		}
	}()
	return dir
}

func TestChange(t *testing.T) {
	up := status.Status{PID: 42, WantUp: true}
	ready := status.Status{PID: 42, WantUp: true, Ready: true}
	down := status.Status{Ready: true}
	cases := []struct {
		name   string
		script map[byte]step
		cmd    string
		want   Want
		code   int
	}{
		{"up", map[byte]step{'u': {up, "u"}}, "u", WantUp, OK},
		{"ready", map[byte]step{'u': {ready, "uU"}}, "u", WantReady, OK},
		{"never ready", map[byte]step{'u': {up, "u"}}, "u", WantReady, TimedOut},
		{"permanent failure", map[byte]step{'u': {down, "OD"}}, "u", WantReady, Permanent},
		{"down", map[byte]step{'d': {down, "dD"}}, "d", WantDown, OK},
		{"down from up", map[byte]step{0: {ready, ""}, 'd': {down, "dD"}}, "d", WantDown, OK},
		{"still finishing", map[byte]step{0: {ready, ""}, 'd': {status.Status{PID: 43, Finishing: true}, "d"}}, "d", WantDown, TimedOut},
		{"already up and ready", map[byte]step{0: {ready, ""}}, "u", WantReady, OK},
		{"supervisor exits", map[byte]step{'u': {down, "x"}}, "u", WantUp, Permanent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fake(t, c.script)
			oc := Change(dir, c.cmd, c.want, 300*time.Millisecond, nil)
			if oc.Code != c.code {
				t.Errorf("code %d (%v), want %d", oc.Code, oc.Err, c.code)
			}
		})
	}
}

func TestAbortAndNoSupervisor(t *testing.T) {
	dir := fake(t, map[byte]step{})
	abort := make(chan struct{})
	close(abort)
	if oc := Change(dir, "u", WantUp, 0, abort); oc.Signal != int(syscall.SIGTERM) {
		t.Errorf("abort: %+v", oc)
	}
	// abort while waiting
	abort = make(chan struct{})
	go func() { time.Sleep(50 * time.Millisecond); close(abort) }()
	if oc := Change(dir, "u", WantUp, 0, abort); oc.Signal != int(syscall.SIGTERM) {
		t.Errorf("abort while waiting: %+v", oc)
	}
	empty := t.TempDir()
	os.MkdirAll(filepath.Join(empty, "supervise"), 0o700)
	syscall.Mkfifo(filepath.Join(empty, "supervise", "control"), 0o600)
	ftrig.MakeFifodir(filepath.Join(empty, "event"), false, false)
	if oc := Change(empty, "u", WantUp, time.Second, nil); oc.Code != System || oc.Err == nil {
		t.Errorf("no supervisor: %+v", oc)
	}
}
