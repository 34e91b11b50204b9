package execline_test

import (
	"fmt"
	"os"
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

// TestPosixCdPwd: a logical posix-cd starts from PWD only when PWD names the
// working directory. Through a symbolic link PWD is kept ("link/.." is the
// link's parent, not the target's); after a chain-loader changed directory
// without updating PWD (execline's cd does not), the working directory is
// the base, where Debian's 2.9.3 fails with "unable to chdir".
func TestPosixCdPwd(t *testing.T) {
	farm := harness.BinDir(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"far/real", "srv/sub"} {
		harness.WriteFile(t, filepath.Join(dir, d, "file"), "", 0o644)
	}
	if err := os.Symlink(filepath.Join(dir, "far", "real"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	run := func(pwd, cwd string, argv ...string) harness.Result {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = cwd
		cmd.Env = []string{"PATH=/usr/bin:/bin", "PWD=" + pwd}
		return harness.RunCmd(t, 10*time.Second, cmd)
	}
	show := []string{"sh", "-c", `echo "$PWD"; pwd -P`}
	r := run(filepath.Join(dir, "link"), filepath.Join(dir, "link"),
		append([]string{filepath.Join(farm, "posix-cd"), ".."}, show...)...)
	if want := dir + "\n" + dir + "\n"; r.Code != 0 || r.Stdout != want {
		t.Errorf("posix-cd .. from PWD=link: code %d, %q (%s); want %q", r.Code, r.Stdout, r.Stderr, want)
	}
	srv := filepath.Join(dir, "srv")
	r = run(dir, dir, append([]string{filepath.Join(farm, "cd"), srv, filepath.Join(farm, "posix-cd"), "sub"}, show...)...)
	if want := srv + "/sub\n" + srv + "/sub\n"; r.Code != 0 || r.Stdout != want {
		t.Errorf("cd srv posix-cd sub with a stale PWD: code %d, %q (%s); want %q", r.Code, r.Stdout, r.Stderr, want)
	}
}
