package svcwait

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/ftrig"
)

// startSupervisor plays a supervisor starting on dir: control fifo opened
// for reading, then the 's' event.
func startSupervisor(t *testing.T, dir string) {
	sup := filepath.Join(dir, "supervise")
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Error(err)
		return
	}
	if err := syscall.Mkfifo(filepath.Join(sup, "control"), 0o600); err != nil {
		t.Error(err)
		return
	}
	f, err := os.OpenFile(filepath.Join(sup, "control"), os.O_RDWR, 0)
	if err != nil {
		t.Error(err)
		return
	}
	t.Cleanup(func() { f.Close() })
	if err := os.WriteFile(filepath.Join(sup, "status"), make([]byte, 35), 0o644); err != nil {
		t.Error(err)
		return
	}
	ftrig.Notify(filepath.Join(dir, "event"), []byte("s"))
}

// A supervisor that listens on its control fifo but has not written its
// status yet is not supervising for clients: they would read no status.
func TestSupervisedWantsStatus(t *testing.T) {
	dir := t.TempDir()
	sup := filepath.Join(dir, "supervise")
	os.Mkdir(sup, 0o700)
	syscall.Mkfifo(filepath.Join(sup, "control"), 0o600)
	f, err := os.OpenFile(filepath.Join(sup, "control"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Supervised(dir) {
		t.Fatal("supervised before the status exists")
	}
	os.WriteFile(filepath.Join(sup, "status"), make([]byte, 35), 0o644)
	if !Supervised(dir) {
		t.Fatal("not supervised once the status exists")
	}
	f.Close()
	if Supervised(dir) {
		t.Fatal("supervised with nobody on the control fifo")
	}
}

func TestSupervisorsSubscribesBeforeTrigger(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	trigger := func() error {
		for _, d := range dirs {
			ents, err := os.ReadDir(filepath.Join(d, "event"))
			if err != nil || len(ents) != 1 || !strings.HasPrefix(ents[0].Name(), "ftrig1:@") {
				t.Errorf("%s: no listener before the trigger (%v, %v)", d, ents, err)
			}
		}
		// The second starts later, from another goroutine: the wait is
		// woken by its event.
		startSupervisor(t, dirs[0])
		go startSupervisor(t, dirs[1])
		return nil
	}
	if err := Supervisors(dirs, time.Time{}, trigger, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !Supervised(d) {
			t.Errorf("%s not supervised", d)
		}
		if ents, _ := os.ReadDir(filepath.Join(d, "event")); len(ents) != 0 {
			t.Errorf("%s: listener left behind: %v", d, ents)
		}
	}
}

func TestSupervisorsErrors(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	var te *TriggerError
	if err := Supervisors([]string{dir}, time.Time{}, func() error { return boom }, nil); !errors.As(err, &te) || !errors.Is(err, boom) {
		t.Errorf("trigger failure: %v", err)
	}
	dead := errors.New("scanner gone")
	if err := Supervisors([]string{dir}, time.Time{}, nil, func() error { return dead }); !errors.Is(err, dead) {
		t.Errorf("alive failure: %v", err)
	}
	if err := Supervisors([]string{dir}, time.Now(), nil, nil); !errors.Is(err, ErrTimeout) {
		t.Errorf("past deadline: %v", err)
	}
}
