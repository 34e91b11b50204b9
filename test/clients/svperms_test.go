package clients

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// modes lists mode and group of supervise/, supervise/control and event/.
func modes(t *testing.T, dir string) string {
	t.Helper()
	s := ""
	for _, p := range []string{"supervise", "supervise/control", "event"} {
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dir, p), &st); err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprintf("%s %o %d; ", p, st.Mode&0o7777, st.Gid)
	}
	return s
}

func TestSvpermsMatchesReal(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{"a": {run: sleepRun, down: true}})
		a := sv["a"]
		// Reading: both print the same report.
		o, r := ours(t, "svperms", a), real(t, "s6-svperms", a)
		if o.Code != 0 || o.Stdout != r.Stdout || r.Code != 0 {
			t.Fatalf("report: ours %d %q, real %d %q", o.Code, o.Stdout, r.Code, r.Stdout)
		}
		// Changing: each setting made by ours gives the modes real s6 makes.
		for _, args := range [][]string{
			{"-g", ":123"}, {"-G", ":123"}, {"-o"}, {"-O", ":124"}, {"-u"},
			{"-e"}, {"-E", ":125"}, {"-v", "-G", "root", "-E", "root"},
		} {
			mustOK(t, fmt.Sprint("s6-svperms ", args), real(t, "s6-svperms", append(append([]string{}, args...), a)...))
			want := modes(t, a)
			rv := real(t, "s6-svperms", a)
			mustOK(t, "s6-svperms -u -E root", real(t, "s6-svperms", "-u", "-E", "root", a))
			o := ours(t, "svperms", append(append([]string{}, args...), a)...)
			if o.Code != 0 {
				t.Fatalf("svperms %v: %d %s", args, o.Code, o.Stderr)
			}
			if got := modes(t, a); got != want {
				t.Errorf("svperms %v: ours %s, real %s", args, got, want)
			}
			if ov := ours(t, "svperms", a); ov.Stdout != rv.Stdout {
				t.Errorf("svperms %v report: ours %q real %q", args, ov.Stdout, rv.Stdout)
			}
		}
		// A mode s6 never sets is reported, exit 1, by both.
		os.Chmod(filepath.Join(a, "event"), 0o755)
		o, r = ours(t, "svperms", a), real(t, "s6-svperms", a)
		if o.Code != 1 || r.Code != 1 || o.Stdout != r.Stdout {
			t.Errorf("bad event mode: ours %d %q, real %d %q", o.Code, o.Stdout, r.Code, r.Stdout)
		}
		if r := ours(t, "svperms", "-g", "no-such-group-xyz", a); r.Code != 100 {
			t.Errorf("unknown group: %d", r.Code)
		}
	})
}
