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
