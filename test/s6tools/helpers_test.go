// Package s6tools tests the smaller s6 programs of issue 19 through the
// binary's farm: each one that Debian's s6 2.11 has is run beside the real
// program on the same inputs and must give the same exit code, output and
// messages (and effects); the others are checked against upstream's
// documented behaviour, as each test says.
package s6tools

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// run runs prog (a farm name or a path) in dir with a bound.
func run(t *testing.T, dir, prog string, args ...string) harness.Result {
	t.Helper()
	cmd := harness.Command(t, prog, args...)
	cmd.Dir = dir
	return harness.RunCmd(t, 20*time.Second, cmd)
}

// same runs s6's NAME from the farm and from /usr/bin in dir with the same
// arguments and fails on any difference in exit code, stdout or stderr.
func same(t *testing.T, dir, name string, args ...string) harness.Result {
	t.Helper()
	real := harness.RealS6(t, name)
	ours := run(t, dir, name, args...)
	theirs := run(t, dir, real, args...)
	if ours != theirs {
		t.Errorf("%s %q:\nours:  %d %q %q\nreal:  %d %q %q", name, args,
			ours.Code, ours.Stdout, ours.Stderr, theirs.Code, theirs.Stdout, theirs.Stderr)
	}
	return ours
}

// sameFresh is same for programs that create path: it is removed before
// each run.
func sameFresh(t *testing.T, dir, path, name string, args ...string) {
	t.Helper()
	real := harness.RealS6(t, name)
	os.RemoveAll(path)
	ours := run(t, dir, name, args...)
	os.RemoveAll(path)
	theirs := run(t, dir, real, args...)
	os.RemoveAll(path)
	if ours != theirs {
		t.Errorf("%s %q:\nours:  %d %q %q\nreal:  %d %q %q", name, args,
			ours.Code, ours.Stdout, ours.Stderr, theirs.Code, theirs.Stdout, theirs.Stderr)
	}
}

// scanDir starts our svscan (extra arguments first) on a new scan
// directory and waits until it listens.
func scanDir(t *testing.T, root string, extra ...string) string {
	t.Helper()
	scan := filepath.Join(root, "scan")
	if err := os.MkdirAll(scan, 0o755); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(root, "scanner.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := harness.Command(t, "svscan", append(extra, scan)...)
	cmd.Stdout, cmd.Stderr = log, log
	harness.Start(t, cmd)
	waitListening(t, filepath.Join(scan, ".s6-svscan", "control"))
	t.Cleanup(func() {
		// services run in their own sessions: stop them before the scanner
		harness.Run(t, "svscanctl", "-t", scan)
		time.Sleep(300 * time.Millisecond)
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(root, "scanner.log"))
			t.Logf("scanner output:\n%s", b)
		}
	})
	return scan
}

// waitListening waits until a fifo has a reader.
func waitListening(t *testing.T, fifo string) {
	t.Helper()
	harness.Eventually(t, 20*time.Second, fifo+" listening", func() bool {
		fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			syscall.Close(fd)
		}
		return err == nil
	})
}

// service writes a service directory whose run script is body.
func service(t *testing.T, dir, body string) {
	t.Helper()
	harness.WriteFile(t, filepath.Join(dir, "run"), "#!/bin/sh\n"+body+"\n", 0o755)
}

// mustRun runs a command and fails unless it exits 0.
func mustRun(t *testing.T, dir, prog string, args ...string) harness.Result {
	t.Helper()
	r := run(t, dir, prog, args...)
	if r.Code != 0 {
		t.Fatalf("%s %q: exit %d\nstdout: %s\nstderr: %s", prog, args, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// execlineb finds Debian's execlineb, for the block syntax of the listen
// programs.
func execlineb(t *testing.T) string {
	return harness.NeedProgram(t, "/usr/bin/execlineb", "execline")
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }
