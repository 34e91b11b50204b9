package supervisor

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"s6box/core/reaper"
	"s6box/core/status"
)

// TestFollowsRenamedDirectory moves a service directory under a running
// supervisor, as s6-rc-update does with live service directories: status,
// events and control must keep working at the new place.
func TestFollowsRenamedDirectory(t *testing.T) {
	root := t.TempDir()
	old := filepath.Join(root, "old")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "run"), []byte("#!/bin/sh\nexec sleep 100\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := reaper.Start(nil)
	defer r.Stop()
	s, err := Start(Options{Dir: old, Name: "old", Stdin: 0, Stdout: 1, Stderr: 2, Spawner: ReaperSpawner(r)})
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(root, "moved")
	waitFor(t, "service up", func() bool { st, err := status.Read(old); return err == nil && st.Up() })
	if err := os.Rename(old, moved); err != nil {
		t.Fatal(err)
	}
	ctl, err := os.OpenFile(filepath.Join(moved, "supervise", "control"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctl.Write([]byte("d"))
	waitFor(t, "service down at the new place", func() bool { st, err := status.Read(moved); return err == nil && !st.Up() && !st.WantUp })
	ctl.Write([]byte("x"))
	ctl.Close()
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("supervisor did not exit after x")
	}
	if s.Dir() != old {
		t.Errorf("Dir() = %q, want the name it was started with", s.Dir())
	}
}
