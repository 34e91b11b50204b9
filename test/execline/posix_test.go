package execline_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestPosixUmaskAsShell: posix-umask's symbolic modes give the mask the
// shell's umask builtin gives (dash, POSIX's reading), including where
// Debian's posix-umask 2.9.3 differs: it ignores "u=" and "o=" (a class
// set to no permission), so "u=rwx,g=rx,o=" leaves 0022 where POSIX asks
// for 0027; and it accepts operands POSIX's grammar refuses ("u", ",").
func TestPosixUmaskAsShell(t *testing.T) {
	dash := harness.NeedProgram(t, "dash", "dash")
	farm := harness.BinDir(t)
	for _, start := range []string{"022", "077", "000", "750"} {
		for _, mode := range []string{
			"u=", "o=", "u=rwx,g=rx,o=", "u=,g=r", "a=", "go=", "u=rw,", "=",
			"u+r-w", "g=u", "go=u-w", "+x", "a=rx,u+w", "ug=rw", "u=rx+", "u=g-w",
			"0", "00022", "1777", "",
		} {
			script := fmt.Sprintf("umask %s; umask '%s' && umask", start, mode)
			want := harness.RunCmd(t, 10*time.Second, exec.Command(dash, "-c", script))
			cmd := exec.Command(dash, "-c", fmt.Sprintf("umask %s; %s '%s' %s",
				start, filepath.Join(farm, "posix-umask"), mode, filepath.Join(farm, "posix-umask")))
			got := harness.RunCmd(t, 10*time.Second, cmd)
			if want.Code != 0 || got.Code != 0 || got.Stdout != want.Stdout {
				t.Errorf("umask %s then %q: dash %q (code %d), posix-umask %q (code %d, %s)",
					start, mode, want.Stdout, want.Code, got.Stdout, got.Code, got.Stderr)
			}
		}
	}
	for _, bad := range []string{"u", ",", "a+r,,g-w", "u+q", "9", "0999", "u=gw", "u=rwz"} {
		r := harness.Run(t, "posix-umask", bad, "true")
		if r.Code != 1 || !strings.Contains(r.Stderr, "posix-umask: fatal: invalid mode string: "+bad) {
			t.Errorf("posix-umask %q: code %d, stderr %q; want 1 and an error naming it", bad, r.Code, r.Stderr)
		}
	}
}
