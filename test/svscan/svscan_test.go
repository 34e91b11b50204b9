package svscan_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestLifecycle drives one scanner through the whole life of a scan
// directory: bring-up with a logged service, -a for a new service, a
// removed service pruned with -n, a signal script, -h, and -t teardown
// running .s6-svscan/finish with no arguments. Services are inspected
// with real s6-svstat / s6-svc / s6-svwait, so both hosts must expose
// s6-compatible supervise/ directories.
func TestLifecycle(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		id := uniq()
		logf := filepath.Join(work, "a.log")
		service(t, filepath.Join(sc, "a"), `echo hello from a; exec sleep `+id+`1`)
		service(t, filepath.Join(sc, "a", "log"), `exec cat >> `+logf)
		service(t, filepath.Join(sc, "b"), `exec sleep `+id+`2`)
		harness.WriteFile(t, filepath.Join(sc, ".s6-svscan", "SIGUSR1"), "#!/bin/sh\necho usr1 $# >> "+work+"/usr1\n", 0o755)
		harness.WriteFile(t, filepath.Join(sc, ".s6-svscan", "finish"), "#!/bin/sh\necho finish $# \"$@\" > "+work+"/finish\n", 0o755)
		p := startScan(t, m, sc)

		apid := waitUp(t, filepath.Join(sc, "a"))
		waitUp(t, filepath.Join(sc, "a", "log"))
		waitUp(t, filepath.Join(sc, "b"))
		harness.Eventually(t, 30*time.Second, "a's output in its logger's file", func() bool {
			return strings.Contains(readFile(t, logf), "hello from a\n")
		})

		// Real s6-svc and s6-svwait against the hosted supervisor.
		svc, svwait := harness.RealS6(t, "s6-svc"), harness.RealS6(t, "s6-svwait")
		if r := harness.Run(t, svc, "-wd", "-d", filepath.Join(sc, "b")); r.Code != 0 {
			t.Fatalf("s6-svc -wd -d b: %d %s", r.Code, r.Stderr)
		}
		if n := len(procsWithArgs("sleep", id+"2")); n != 0 {
			t.Fatalf("b's daemon still running after s6-svc -d (%d)", n)
		}
		harness.Run(t, svc, "-u", filepath.Join(sc, "b"))
		if r := harness.Run(t, svwait, "-u", "-t", "30000", filepath.Join(sc, "b")); r.Code != 0 {
			t.Fatalf("s6-svwait -u b: %d %s", r.Code, r.Stderr)
		}

		// -a picks up a new service.
		service(t, filepath.Join(sc, "c"), `exec sleep `+id+`3`)
		if r := harness.Run(t, "svscanctl", "-a", sc); r.Code != 0 {
			t.Fatalf("svscanctl -a: %d %s", r.Code, r.Stderr)
		}
		waitUp(t, filepath.Join(sc, "c"))

		// A removed service stays up until -n prunes it.
		if err := os.Rename(filepath.Join(sc, "c"), filepath.Join(work, "c-removed")); err != nil {
			t.Fatal(err)
		}
		harness.Run(t, "svscanctl", "-a", sc)
		time.Sleep(300 * time.Millisecond)
		if n := len(procsWithArgs("sleep", id+"3")); n != 1 {
			t.Fatalf("removed service c: %d daemons before -n, want 1 (inactive, not killed)", n)
		}
		harness.Run(t, "svscanctl", "-n", sc)
		harness.Eventually(t, 30*time.Second, "removed service c stopped by -n", func() bool {
			return len(procsWithArgs("sleep", id+"3")) == 0
		})

		// Renaming a service (same dev/ino) does not restart it.
		if err := os.Rename(filepath.Join(sc, "a"), filepath.Join(sc, "a2")); err != nil {
			t.Fatal(err)
		}
		harness.Run(t, "svscanctl", "-h", sc)
		time.Sleep(500 * time.Millisecond)
		if pids := procsWithArgs("sleep", id+"1"); len(pids) != 1 || pids[0] != apid {
			t.Fatalf("renamed service restarted: daemons %v, was %d", pids, apid)
		}

		// A signal with a .s6-svscan script runs the script (no args).
		p.Signal(syscall.SIGUSR1)
		harness.Eventually(t, 30*time.Second, ".s6-svscan/SIGUSR1 run", func() bool {
			return readFile(t, filepath.Join(work, "usr1")) == "usr1 0\n"
		})

		// Teardown: all daemons stop, finish runs with no arguments.
		if r := harness.Run(t, "svscanctl", "-t", sc); r.Code != 0 {
			t.Fatalf("svscanctl -t: %d %s", r.Code, r.Stderr)
		}
		code, ok := p.Wait(60 * time.Second)
		if !ok {
			t.Fatalf("svscan did not exit after -t\n%s", p.Stderr.String())
		}
		if code != 0 {
			t.Fatalf("svscan exit %d after -t\n%s", code, p.Stderr.String())
		}
		if got := readFile(t, filepath.Join(work, "finish")); got != "finish 0\n" {
			t.Fatalf("finish script: got %q, want %q", got, "finish 0\n")
		}
		for _, n := range []string{"1", "2", "3"} {
			if k := len(procsWithArgs("sleep", id+n)); k != 0 {
				t.Fatalf("daemon sleep %s%s still running after teardown", id, n)
			}
		}
	})
}

// TestQuitAndAbort: -q stops loggers too; -b leaves at once.
func TestQuitAndAbort(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		id := uniq()
		service(t, filepath.Join(sc, "a"), `exec sleep `+id+`1`)
		service(t, filepath.Join(sc, "a", "log"), `exec sleep `+id+`2`)
		p := startScan(t, m, sc)
		waitUp(t, filepath.Join(sc, "a", "log"))
		waitUp(t, filepath.Join(sc, "a"))
		// The logger ignores EOF (sleep): only -q's SIGTERM to the logger's
		// supervisor stops it.
		harness.Run(t, harness.RealS6(t, "s6-svscanctl"), "-q", sc)
		if _, ok := p.Wait(60 * time.Second); !ok {
			t.Fatalf("svscan did not exit after -q\n%s", p.Stderr.String())
		}
		if n := len(procsWithArgs("sleep", id+"2")) + len(procsWithArgs("sleep", id+"1")); n != 0 {
			t.Fatalf("%d daemons left after -q", n)
		}

		// -b: the scanner exits without waiting.
		harness.WriteFile(t, filepath.Join(sc, ".s6-svscan", "finish"), "#!/bin/sh\necho $# > "+work+"/finish\n", 0o755)
		// Surviving supervise processes keep the scanner's stderr open.
		p2 := startScanToFile(t, m, sc, filepath.Join(work, "stderr"))
		waitUp(t, filepath.Join(sc, "a"))
		harness.Run(t, "svscanctl", "-b", sc)
		if code, ok := p2.Wait(60 * time.Second); !ok || code != 0 {
			t.Fatalf("svscan after -b: exited=%v code=%d\n%s", ok, code, readFile(t, filepath.Join(work, "stderr")))
		}
		if readFile(t, filepath.Join(work, "finish")) != "0\n" {
			t.Fatal("finish not run after -b")
		}
		killOnCleanup(t, func() []int { return append(procsWithArgs("sleep", id+"1"), procsWithArgs("sleep", id+"2")...) })
	})
}

// TestSignalDefaults: SIGTERM without a script tears down; SIGHUP rescans
// and prunes.
func TestSignalDefaults(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		id := uniq()
		service(t, filepath.Join(sc, "a"), `exec sleep `+id+`1`)
		service(t, filepath.Join(sc, "b"), `exec sleep `+id+`2`)
		p := startScan(t, m, sc)
		waitUp(t, filepath.Join(sc, "a"))
		waitUp(t, filepath.Join(sc, "b"))
		os.Rename(filepath.Join(sc, "b"), filepath.Join(work, "b"))
		p.Signal(syscall.SIGHUP)
		harness.Eventually(t, 30*time.Second, "b pruned by SIGHUP", func() bool {
			return len(procsWithArgs("sleep", id+"2")) == 0
		})
		if len(procsWithArgs("sleep", id+"1")) != 1 {
			t.Fatal("SIGHUP stopped an active service")
		}
		p.Signal(syscall.SIGTERM)
		if _, ok := p.Wait(60 * time.Second); !ok {
			t.Fatalf("svscan did not exit on SIGTERM\n%s", p.Stderr.String())
		}
		if len(procsWithArgs("sleep", id+"1")) != 0 {
			t.Fatal("daemon left after SIGTERM teardown")
		}
	})
}

// TestReadinessAndUsage: -d writes a newline when set up; a second scanner
// on the same directory exits 100.
func TestReadinessAndUsage(t *testing.T) {
	sc, _ := scandir(t)
	service(t, filepath.Join(sc, "a"), `exec sleep 100000`)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := harness.Command(t, "s6-svscan", "-d", "3", sc)
	cmd.ExtraFiles = []*os.File{pw}
	p := harness.Start(t, cmd)
	pw.Close()
	buf := make([]byte, 8)
	pr.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, err := pr.Read(buf)
	if err != nil || string(buf[:n]) != "\n" {
		t.Fatalf("readiness: got %q, %v", buf[:n], err)
	}
	if r := harness.Run(t, "svscan", sc); r.Code != 100 || !strings.Contains(r.Stderr, sc) {
		t.Fatalf("second svscan: code %d, stderr %q; want 100 naming %s", r.Code, r.Stderr, sc)
	}
	for _, args := range [][]string{{"-d", "1", sc}, {"-d", "77", sc}, {"-X", "x", sc}, {"-t"}} {
		if r := harness.Run(t, "svscan", args...); r.Code != 100 {
			t.Fatalf("svscan %v: code %d, want 100", args, r.Code)
		}
	}
	if r := harness.Run(t, "svscanctl", "-x", sc); r.Code != 100 {
		t.Fatalf("svscanctl -x: %d", r.Code)
	}
	if r := harness.Run(t, "svscanctl"); r.Code != 100 {
		t.Fatalf("svscanctl without dir: %d", r.Code)
	}
	harness.Run(t, "svscanctl", "-t", sc)
	p.Wait(60 * time.Second)
}

// TestConsoleHolder: -X N is the catch-all logger's stderr, and fds 1 and
// 2 are restored onto it before .s6-svscan/finish runs.
func TestConsoleHolder(t *testing.T) {
	forModes(t, func(t *testing.T, m mode) {
		sc, work := scandir(t)
		// The catch-all logger is only told to stop (SIGHUP to its
		// supervisor) and normally leaves on EOF: this one ends by itself.
		service(t, filepath.Join(sc, "s6-svscan-log"), `echo catch-all stderr >&2; exec sleep 2`)
		harness.WriteFile(t, filepath.Join(sc, ".s6-svscan", "finish"), "#!/bin/sh\necho finish on console >&2\n", 0o755)
		console, err := os.Create(filepath.Join(work, "console"))
		if err != nil {
			t.Fatal(err)
		}
		defer console.Close()
		cmd := harness.Command(t, "s6-svscan", append(append([]string{}, m.args...), "-X", "3", sc)...)
		cmd.ExtraFiles = []*os.File{console}
		p := harness.Start(t, cmd)
		harness.Eventually(t, 30*time.Second, "s6-svscan-log's stderr on the console", func() bool {
			return strings.Contains(readFile(t, console.Name()), "catch-all stderr\n")
		})
		if strings.Contains(p.Stderr.String(), "catch-all") {
			t.Fatal("s6-svscan-log's stderr went to the scanner's stderr")
		}
		harness.Run(t, "svscanctl", "-t", sc)
		if _, ok := p.Wait(60 * time.Second); !ok {
			t.Fatalf("no exit after -t\n%s", p.Stderr.String())
		}
		if !strings.Contains(readFile(t, console.Name()), "finish on console\n") {
			t.Fatalf("finish's stderr not on the console: %q", readFile(t, console.Name()))
		}
	})
}

// TestPeriodicRescanAndSigalrm: -t picks up new services without being
// told; SIGALRM rescans at once.
func TestPeriodicRescanAndSigalrm(t *testing.T) {
	sc, _ := scandir(t)
	service(t, filepath.Join(sc, "a"), `exec sleep 100000`)
	p := harness.Start(t, harness.Command(t, "svscan", "-t", "200", sc))
	waitUp(t, filepath.Join(sc, "a"))
	service(t, filepath.Join(sc, "b"), `exec sleep 100000`)
	waitUp(t, filepath.Join(sc, "b"))
	harness.Run(t, "svscanctl", "-t", sc)
	p.Wait(60 * time.Second)

	p = harness.Start(t, harness.Command(t, "svscan", sc))
	waitUp(t, filepath.Join(sc, "a"))
	service(t, filepath.Join(sc, "c"), `exec sleep 100000`)
	time.Sleep(500 * time.Millisecond)
	if fileExists(filepath.Join(sc, "c", "supervise", "status")) {
		t.Fatal("new service picked up without -t, -a or SIGALRM")
	}
	p.Signal(syscall.SIGALRM)
	waitUp(t, filepath.Join(sc, "c"))
	harness.Run(t, "svscanctl", "-t", sc)
	p.Wait(60 * time.Second)
}
