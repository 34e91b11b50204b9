package svcwait

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"errors"

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

// outcome names what Change returned, for comparison.
func outcome(err error) string {
	var fe *FailedError
	var te *TriggerError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrTimeout):
		return "timeout"
	case errors.Is(err, ErrAborted):
		return "aborted"
	case errors.As(err, &fe):
		return "failed"
	case errors.As(err, &te):
		return "send"
	}
	return "system"
}

func TestChange(t *testing.T) {
	up := status.Status{PID: 42, WantUp: true}
	ready := status.Status{PID: 42, WantUp: true, Ready: true}
	down := status.Status{Ready: true}
	cases := []struct {
		name   string
		script map[byte]step
		cmd    string
		want   byte
		result string
	}{
		{"up", map[byte]step{'u': {up, "u"}}, "u", 'u', "ok"},
		{"ready", map[byte]step{'u': {ready, "uU"}}, "u", 'U', "ok"},
		{"never ready", map[byte]step{'u': {up, "u"}}, "u", 'U', "timeout"},
		{"permanent failure", map[byte]step{'u': {down, "OD"}}, "u", 'U', "failed"},
		{"down", map[byte]step{'d': {down, "dD"}}, "d", 'D', "ok"},
		{"down from up", map[byte]step{0: {ready, ""}, 'd': {down, "dD"}}, "d", 'D', "ok"},
		{"still finishing", map[byte]step{0: {ready, ""}, 'd': {status.Status{PID: 43, Finishing: true}, "d"}}, "d", 'D', "timeout"},
		{"already up and ready", map[byte]step{0: {ready, ""}}, "u", 'U', "ok"},
		{"supervisor exits", map[byte]step{'u': {down, "x"}}, "u", 'u', "failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fake(t, c.script)
			err := Change(dir, c.cmd, c.want, 300*time.Millisecond, nil)
			if got := outcome(err); got != c.result {
				t.Errorf("%s (%v), want %s", got, err, c.result)
			}
		})
	}
}

func TestAbortAndNoSupervisor(t *testing.T) {
	dir := fake(t, map[byte]step{})
	abort := make(chan struct{})
	close(abort)
	if err := Change(dir, "u", 'u', 0, abort); outcome(err) != "aborted" {
		t.Errorf("abort: %v", err)
	}
	// abort while waiting
	abort = make(chan struct{})
	go func() { time.Sleep(50 * time.Millisecond); close(abort) }()
	if err := Change(dir, "u", 'u', 0, abort); outcome(err) != "aborted" {
		t.Errorf("abort while waiting: %v", err)
	}
	empty := t.TempDir()
	os.MkdirAll(filepath.Join(empty, "supervise"), 0o700)
	syscall.Mkfifo(filepath.Join(empty, "supervise", "control"), 0o600)
	ftrig.MakeFifodir(filepath.Join(empty, "event"), false, false)
	if err := Change(empty, "u", 'u', time.Second, nil); outcome(err) != "system" { // no status to read
		t.Errorf("no supervisor: %v", err)
	}
}
