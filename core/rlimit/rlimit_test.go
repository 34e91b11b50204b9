package rlimit

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
	"s6box/test/harness"
)

// The test binary re-runs itself with a low soft NOFILE so that the runtime
// raises it; Get must still report the low value.
func TestGetSeesOriginalNofile(t *testing.T) {
	if os.Getenv("RLIMIT_CHILD") == "1" {
		r, err := Get(unix.RLIMIT_NOFILE)
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("CUR=" + strconv.FormatUint(r.Cur, 10) + "\n")
		return
	}
	var r syscall.Rlimit
	syscall.Getrlimit(unix.RLIMIT_NOFILE, &r)
	if r.Max < 200 {
		harness.SkipOrFail(t, "hard RLIMIT_NOFILE %d is below 200", r.Max)
	}
	exe, _ := os.Executable()
	cmd := exec.Command("/bin/sh", "-c", `ulimit -Sn 100 && exec "$0" -test.run=TestGetSeesOriginalNofile`, exe)
	cmd.Env = append(os.Environ(), "RLIMIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CUR=100\n") {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestResources(t *testing.T) {
	for _, l := range "acdflmoprst" {
		if len(Resources(byte(l))) == 0 {
			t.Errorf("no resource for -%c", l)
		}
	}
	if Resources('x') != nil {
		t.Error("x is no resource")
	}
}

// SetCeiling lowers the hard limit, keeps a soft limit already under it
// and brings a higher one down to it. The values are below the process's
// own hard limit, so no privilege is needed (RLIMIT_FSIZE, left at 64 MiB
// or more for the other tests).
func TestSetCeiling(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(unix.RLIMIT_FSIZE, &old)
	hi := min(old.Max, uint64(1)<<30)
	if hi < 1<<30 {
		harness.SkipOrFail(t, "hard RLIMIT_FSIZE %d is below 1 GiB", old.Max)
	}
	if err := syscall.Setrlimit(unix.RLIMIT_FSIZE, &syscall.Rlimit{Cur: hi / 8, Max: hi}); err != nil {
		t.Fatal(err)
	}
	var r syscall.Rlimit
	if err := SetCeiling(unix.RLIMIT_FSIZE, hi/2); err != nil {
		t.Fatal(err)
	}
	syscall.Getrlimit(unix.RLIMIT_FSIZE, &r)
	if r.Max != hi/2 || r.Cur != hi/8 {
		t.Fatalf("%+v, want soft %d kept under %d", r, hi/8, hi/2)
	}
	if err := SetCeiling(unix.RLIMIT_FSIZE, hi/16); err != nil {
		t.Fatal(err)
	}
	syscall.Getrlimit(unix.RLIMIT_FSIZE, &r)
	if r.Max != hi/16 || r.Cur != hi/16 {
		t.Fatalf("%+v, want %d/%d", r, hi/16, hi/16)
	}
}
