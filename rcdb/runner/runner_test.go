package runner

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"s6box/core/reaper"
	"s6box/rcdb"
	"s6box/rcdb/usock"
)

// One reaper per process (it owns wait4(-1)), shared by every test.
var (
	reaperOnce sync.Once
	theReaper  *reaper.Reaper
)

func sharedReaper() *reaper.Reaper {
	reaperOnce.Do(func() { theReaper = reaper.Start(nil) })
	return theReaper
}

// A live dir with a compiled db holding oneshots, and a server on it.
func setup(t *testing.T) (sock string) {
	dir := t.TempDir()
	comp := filepath.Join(dir, "compiled")
	os.MkdirAll(filepath.Join(comp, "scripts", "sh"), 0o755)
	os.WriteFile(filepath.Join(comp, "scripts", "sh", "up"), []byte("#!/bin/sh\necho \"script $RC_NAME\"\nexit 3\n"), 0o755)
	db := &rcdb.DB{Version: rcdb.FormatVersion, NLong: 2, Atoms: []rcdb.Atom{
		{Name: rcdb.RunnerName, Type: rcdb.Longrun, Consumer: -1},
		{Name: rcdb.FdholderName, Type: rcdb.Longrun, Consumer: -1},
		{Name: "echo", Type: rcdb.Oneshot, Consumer: -1, Argv: [3][]string{nil, {"sh", "-c", "echo up $RC_NAME; echo err >&2"}, nil}},
		{Name: "slow", Type: rcdb.Oneshot, Consumer: -1, Argv: [3][]string{nil, {"sh", "-c", "trap 'kill $!; echo TERMED > " + dir + "/termed; exit 1' TERM; sleep 20 & wait"}, nil}},
		{Name: "sh", Type: rcdb.Oneshot, Consumer: -1, Script: [3]string{"", "scripts/sh/up", ""}},
	}}
	b, _ := db.Encode()
	os.WriteFile(filepath.Join(comp, "db"), b, 0o644)
	wd, _ := os.Getwd()
	os.Chdir(dir)
	ln, err := usock.Listen("s")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &Server{Live: dir, Reaper: sharedReaper(), Env: []string{"PATH=/usr/bin:/bin"}}
	go s.Serve(ln)
	return filepath.Join(dir, "s")
}

func pipeStdio(t *testing.T) ([3]*os.File, func() (string, string)) {
	or, ow, _ := os.Pipe()
	er, ew, _ := os.Pipe()
	in, _ := os.Open(os.DevNull)
	return [3]*os.File{in, ow, ew}, func() (string, string) {
		ow.Close()
		ew.Close()
		o, _ := io.ReadAll(or)
		e, _ := io.ReadAll(er)
		return string(o), string(e)
	}
}

func TestRunArgvScriptAndNoop(t *testing.T) {
	sock := setup(t)
	stdio, outs := pipeStdio(t)
	if r := Run(sock, "up", 2, stdio, 10*time.Second); r.Code != 0 || r.Err != nil {
		t.Fatalf("%+v", r)
	}
	if r := Run(sock, "up", 4, stdio, 10*time.Second); r.Code != 3 {
		t.Fatalf("script: %+v", r)
	}
	if r := Run(sock, "down", 2, stdio, 10*time.Second); r.Code != 0 {
		t.Fatalf("empty down: %+v", r)
	}
	if r := Run(sock, "up", 1, stdio, 10*time.Second); r.Code != 111 || !strings.Contains(r.Err.Error(), "invalid service number") {
		t.Fatalf("longrun index: %+v", r)
	}
	o, e := outs()
	if o != "up echo\nscript sh\n" || e != "err\n" {
		t.Errorf("stdout %q stderr %q", o, e)
	}
}

func TestTimeoutTerminatesScript(t *testing.T) {
	sock := setup(t)
	stdio, _ := pipeStdio(t)
	r := Run(sock, "up", 3, stdio, 300*time.Millisecond)
	if r.Code != 111 || r.Err != ErrTimeout {
		t.Fatalf("%+v", r)
	}
	termed := filepath.Join(filepath.Dir(sock), "termed")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(termed); err == nil && strings.Contains(string(b), "TERMED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("script was not sent SIGTERM after the client gave up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
