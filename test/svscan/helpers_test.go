package svscan_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// mode is one way of hosting supervisors under our svscan.
type mode struct {
	name string
	args []string // svscan options selecting the mode
}

// modes lists the hosting modes to test: in-process (default), process
// mode with our supervise, and process mode with Debian's s6-supervise
// (left out when it is not installed, except in CI).
func modes(t *testing.T) []mode {
	ms := []mode{{"inprocess", nil}, {"process", []string{"-P"}}}
	if p := "/usr/bin/s6-supervise"; harness.Optional(t, "real s6-supervise ("+p+")", fileExists(p)) {
		ms = append(ms, mode{"process-s6", []string{"-p", p}})
	}
	return ms
}

func forModes(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range modes(t) {
		t.Run(m.name, func(t *testing.T) { f(t, m) })
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// service writes DIR/run (and optional extra files) as an executable script.
func service(t *testing.T, dir, run string) {
	t.Helper()
	harness.WriteFile(t, filepath.Join(dir, "run"), "#!/bin/sh\n"+run+"\n", 0o755)
}

// scandir makes a fresh scan directory in a temp dir (with a place for
// files the services write).
func scandir(t *testing.T) (sc, work string) {
	work = t.TempDir()
	sc = filepath.Join(work, "sc")
	if err := os.Mkdir(sc, 0o755); err != nil {
		t.Fatal(err)
	}
	return sc, work
}

// startScan starts our svscan on sc with the mode's options plus extra.
func startScan(t *testing.T, m mode, sc string, extra ...string) *harness.Proc {
	t.Helper()
	args := append(append([]string{}, m.args...), extra...)
	args = append(args, sc)
	return harness.Start(t, harness.Command(t, "s6-svscan", args...))
}

// startScanToFile is startScan with stdout and stderr going to a file:
// needed when supervise processes outlive the scanner (they inherit its
// stderr, and the harness would wait for a pipe to close).
func startScanToFile(t *testing.T, m mode, sc, logPath string) *harness.Proc {
	t.Helper()
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cmd := harness.Command(t, "s6-svscan", append(append([]string{}, m.args...), sc)...)
	cmd.Stdout, cmd.Stderr = f, f
	return harness.Start(t, cmd)
}

// waitUp waits until real s6-svstat says the service is up.
func waitUp(t *testing.T, dir string) int {
	t.Helper()
	svstat := harness.RealS6(t, "s6-svstat")
	pid := 0
	harness.Eventually(t, 30*time.Second, dir+" up (real s6-svstat)", func() bool {
		r := harness.Run(t, svstat, "-o", "up,pid", dir)
		f := strings.Fields(r.Stdout)
		if r.Code != 0 || len(f) != 2 || f[0] != "true" {
			return false
		}
		pid, _ = strconv.Atoi(f[1])
		return true
	})
	return pid
}

// procsWithArgs lists the pids whose argv is exactly argv.
func procsWithArgs(argv ...string) []int {
	want := []byte(strings.Join(argv, "\x00") + "\x00")
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Equal(b, want) && !isZombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procState is the state letter of /proc/PID/stat, "" if gone.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return ""
	}
	return string(b[i+2])
}

func isZombie(pid int) bool { return procState(pid) == "Z" }

func alive(pid int) bool { s := procState(pid); return s != "" && s != "Z" }

// killOnCleanup SIGKILLs pids that a test leaves behind (daemons that were
// orphaned on purpose).
func killOnCleanup(t *testing.T, pids func() []int) {
	t.Cleanup(func() {
		for _, p := range pids() {
			syscall.Kill(p, syscall.SIGKILL)
		}
	})
}

// uniq makes a number unique to this test run, for recognisable argv.
func uniq() string {
	return strconv.Itoa(1000000 + (os.Getpid()%1000)*1000 + int(uniqN.Add(1)))
}

var uniqN atomic.Int32

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, _ := os.ReadFile(p)
	return string(b)
}
