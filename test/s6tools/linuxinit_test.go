package s6tools

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestInitEcho follows s6-linux-init-echo's documentation (Debian's s6
// package has no s6-linux-init): arguments separated by a blank or by
// -s's character, a newline unless -n; options stop at the first word.
func TestInitEcho(t *testing.T) {
	for _, c := range []struct {
		args []string
		out  string
	}{
		{[]string{"a", "b c", ""}, "a b c \n"},
		{[]string{"-n", "a", "b"}, "a b"},
		{[]string{"-s:", "a", "b", "c"}, "a:b:c\n"},
		{[]string{"-s", "xy", "a", "b"}, "axb\n"},
		{[]string{"-ns,", "a", "-n"}, "a,-n"},
		{[]string{}, "\n"},
		{[]string{"--", "-n"}, "-n\n"},
	} {
		r := harness.Run(t, "s6-linux-init-echo", c.args...)
		if r.Code != 0 || r.Stdout != c.out {
			t.Errorf("%q: %d %q, want %q", c.args, r.Code, r.Stdout, c.out)
		}
	}
	if r := harness.Run(t, "init-echo", "-x"); r.Code != 100 || !strings.Contains(r.Stderr, "usage") {
		t.Errorf("-x: %d %q", r.Code, r.Stderr)
	}
}

// TestInitNuke: in a PID namespace, s6-linux-init-nuke kills every
// process but pid 1 (and itself), as documented.
func TestInitNuke(t *testing.T) {
	harness.NeedRoot(t, "a PID namespace")
	unshare := harness.NeedProgram(t, "unshare", "util-linux")
	nuke := harness.Path(t, "s6-linux-init-nuke")
	// pid 1 is the shell; two sleepers, which must die of SIGKILL
	script := "sleep 100 & a=$!; sleep 100 & b=$!; " + nuke + "; echo nuke=$?; wait $a; echo a=$?; wait $b; echo b=$?"
	cmd := exec.Command(unshare, "--pid", "--fork", "--mount-proc", "sh", "-c", script)
	r := harness.RunCmd(t, 60*time.Second, cmd)
	if r.Code != 0 || r.Stdout != "nuke=0\na=137\nb=137\n" {
		t.Errorf("in a PID namespace: %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}
