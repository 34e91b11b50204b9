package rc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// scanner is a supervision tree implementation the scenarios run under.
type scanner struct {
	name string
	argv func(t *testing.T) []string
}

// scanners lists real s6-svscan, and ours once the binary has both the
// svscan and supervise applets (a scanner alone cannot run services).
func scanners(t *testing.T) []scanner {
	return []scanner{
		{"real-s6", func(t *testing.T) []string { return []string{harness.RealS6(t, "s6-svscan")} }},
		{"s6box", func(t *testing.T) []string { return []string{harness.Path(t, "svscan")} }},
	}
}

// forEachScanner runs f as a subtest under every scanner.
func forEachScanner(t *testing.T, f func(t *testing.T, sc scanner)) {
	for _, sc := range scanners(t) {
		t.Run(sc.name, func(t *testing.T) { f(t, sc) })
	}
}

// sys is one test system: a source dir, a compiled db, a scandir with a
// scanner and a live dir.
type sys struct {
	t    *testing.T
	dir  string
	src  string
	db   string
	scan string
	live string
}

func newSys(t *testing.T) *sys {
	dir := t.TempDir()
	s := &sys{t: t, dir: dir, src: filepath.Join(dir, "src"), db: filepath.Join(dir, "compiled"),
		scan: filepath.Join(dir, "scan"), live: filepath.Join(dir, "live")}
	os.MkdirAll(s.src, 0o755)
	os.MkdirAll(s.scan, 0o755)
	return s
}

// write creates source files: "svc/file" → content. Files named run,
// finish, up, down or reload are made executable; a content of "<dir>"
// makes a directory.
func writeTree(t *testing.T, root string, files map[string]string) {
	for k, v := range files {
		p := filepath.Join(root, k)
		if v == "<dir>" {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		switch filepath.Base(k) {
		case "run", "finish", "up", "down", "reload":
			mode = 0o755
		}
		harness.WriteFile(t, p, v, mode)
	}
}

func (s *sys) write(files map[string]string) { writeTree(s.t, s.src, files) }

func (s *sys) compile() {
	s.t.Helper()
	r := harness.Run(s.t, "s6-rc-compile", s.db, s.src)
	if r.Code != 0 {
		s.t.Fatalf("s6-rc-compile: %d %s", r.Code, r.Stderr)
	}
}

// boot starts the scanner on the scandir and runs s6-rc-init.
func (s *sys) boot(sc scanner) {
	s.t.Helper()
	argv := append(sc.argv(s.t), s.scan)
	cmd := harness.Command(s.t, argv[0], argv[1:]...)
	// The catch-all output goes to a file, not a pipe: daemons' orphaned
	// children may keep a pipe open long after the scanner is gone.
	catchall, err := os.Create(filepath.Join(s.dir, "catchall"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer catchall.Close()
	cmd.Stdout, cmd.Stderr = catchall, catchall
	p := harness.Start(s.t, cmd)
	harness.Eventually(s.t, 20*time.Second, "scanner listening", func() bool {
		f, err := os.OpenFile(filepath.Join(s.scan, ".s6-svscan", "control"), os.O_WRONLY|0o4000, 0)
		if err == nil {
			f.Close()
		}
		return err == nil
	})
	if os.Getenv("S6BOX_DEBUG_CATCHALL") != "" {
		s.t.Cleanup(func() {
			b, _ := os.ReadFile(filepath.Join(s.dir, "catchall"))
			s.t.Logf("scanner output:\n%s", b)
		})
	}
	// Bring every service down before the scanner is killed: services run in
	// their own sessions and would outlive its process group.
	s.t.Cleanup(func() {
		ents, _ := os.ReadDir(s.scan)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if f, err := os.OpenFile(filepath.Join(s.scan, e.Name(), "supervise", "control"), os.O_WRONLY|0o4000, 0); err == nil {
				f.Write([]byte("dx"))
				f.Close()
			}
		}
		time.Sleep(200 * time.Millisecond)
		_ = p
	})
	r := harness.Run(s.t, "s6-rc-init", "-c", s.db, "-l", s.live, s.scan)
	if r.Code != 0 {
		s.t.Fatalf("s6-rc-init: %d %s", r.Code, r.Stderr)
	}
}

// rc runs s6-rc -l LIVE ARGS….
func (s *sys) rc(args ...string) harness.Result {
	s.t.Helper()
	return harness.Run(s.t, "s6-rc", append([]string{"-l", s.live}, args...)...)
}

// rcCombined runs s6-rc with stdout and stderr on one pipe, so script output
// and s6-rc's messages keep their real order.
func (s *sys) rcCombined(args ...string) (string, int) {
	s.t.Helper()
	cmd := harness.Command(s.t, "s6-rc", append([]string{"-l", s.live}, args...)...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	r := harness.RunCmd(s.t, 60*time.Second, cmd)
	return b.String(), r.Code
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func sorted(l []string) []string {
	l = append([]string(nil), l...)
	sort.Strings(l)
	return l
}

func eq(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// indexOf returns the line number of the first line equal to want, or -1.
func indexOf(l []string, want string) int {
	for i, x := range l {
		if x == want {
			return i
		}
	}
	return -1
}

// before checks that line a appears, and before line b.
func before(t *testing.T, out []string, a, b string) {
	t.Helper()
	ia, ib := indexOf(out, a), indexOf(out, b)
	if ia < 0 || ib < 0 || ia >= ib {
		t.Errorf("want %q before %q in:\n%s", a, b, strings.Join(out, "\n"))
	}
}

func mustCode(t *testing.T, what string, r harness.Result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.Code, code, r.Stdout, r.Stderr)
	}
}

// svstatUp asks real s6-svstat whether a live longrun is up.
func (s *sys) svstatUp(name string) bool {
	out, err := exec.Command("/usr/bin/s6-svstat", "-o", "up", filepath.Join(s.live, "servicedirs", name)).Output()
	return err == nil && strings.TrimSpace(string(out)) == "true"
}
