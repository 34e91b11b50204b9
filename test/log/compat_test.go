package log_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"s6box/test/harness"
)

var (
	taiRe = regexp.MustCompile(`@[0-9a-f]{24}`)
	isoRe = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}`)
)

func mask(s string) string {
	return isoRe.ReplaceAllString(taiRe.ReplaceAllString(s, "@TAI"), "ISO")
}

// outcome is everything a run produced, timestamps masked.
type outcome struct {
	code           int
	stdout, stderr string
	files          []string // "name mode size" in the work dir, sorted
	contents       map[string]string
}

// runBoth runs the same script on the same input with real s6-log and ours,
// in two directories; "DIR" in args is replaced by the run's directory.
func runOne(t *testing.T, prog, input string, args []string) outcome {
	t.Helper()
	return runOneFrom(t, prog, strings.NewReader(input), args)
}

func runOneFrom(t *testing.T, prog string, input io.Reader, args []string) outcome {
	t.Helper()
	dir := t.TempDir()
	var a []string
	for _, w := range args {
		a = append(a, strings.ReplaceAll(w, "DIR", dir))
	}
	cmd := harness.Command(t, prog, a...)
	cmd.Stdin = input
	if sr, ok := input.(*slowReader); ok {
		cmd.Stdin = sr.pipe(t)
	}
	res := harness.RunCmd(t, 60*time.Second, cmd)
	o := outcome{code: res.Code, stdout: mask(res.Stdout), stderr: mask(strings.ReplaceAll(res.Stderr, "s6-log: ", "PROG: ")), contents: map[string]string{}}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel := mask(strings.TrimPrefix(p, dir+"/"))
		o.files = append(o.files, rel+" "+fi.Mode().String())
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			o.contents[rel] += mask(string(b))
		}
		return nil
	})
	sort.Strings(o.files)
	return o
}

func TestCompatWithRealS6Log(t *testing.T) {
	real := harness.RealS6(t, "s6-log")
	ours := harness.Path(t, "s6-log")
	long := strings.Repeat("L", 120)
	input := "alpha one\nbeta two\ngamma three\n" + long + "\nerror: disk on fire\n\nbin\x01\xff\x00after-nul\nwarn: low\n"
	scripts := [][]string{
		{"1"},
		{"t", "1"},
		{"T", "1"},
		{"t", "T", "pfoo", "1", "p", "1"},
		{"+error", "2", "-error", "1"},
		{"--", "-beta", "1", "f", "pother", "1"},
		{"E10", "2", "E0", "2"},
		{"+warn", "^20", "=DIR/status", "f", "1"},
		{"^0", "=DIR/status"},
		{"t", "DIR/log"},
		{"n2", "s4096", "DIR/log"},
		{"-l", "48", "1"},
		{"-l", "0", "1"},
		{"l3000", "1"},
		{"s4096", "l3000", "1"},
		{"x"},
		{"1x"},
		{"t"},
		{"+[", "1"},
		// POSIX ERE as glibc reads it (C locale): classes, intervals,
		// anchors, word boundaries, GNU escapes, \d being a plain d.
		{"--", "-.*", "+^[[:alpha:]]+ [[:lower:]]{3}$", "1"},
		{"--", "-.*", `+\<t[a-z]+o\>`, "1"},
		{"--", "-[aeiou]", "+^(beta|bin)", "+^$", "1"},
		{"--", "-.*", `+\bone$|^warn`, "1"},
		{"--", "-.*", `+\d`, "1"},
		{"--", "-[^[:print:]]", "1"},
		{"--", "-.*", "+L{100,}", "-L{121}", "1"},
		{"--", "-.*", "+(|x)+:", "1"},
		{"--", `-\w+:[[:space:]]`, "1"},
		{"+a{2,1}", "1"},
		{"+(", "1"},
		{"1", "+unused"},
		{"S100000", "n5", "!cat", "DIR/log"},
	}
	for _, sc := range scripts {
		sc := sc
		t.Run(strings.Join(sc, " "), func(t *testing.T) {
			a := runOne(t, real, input, sc)
			b := runOne(t, ours, input, sc)
			if a.code != b.code || a.stdout != b.stdout || a.stderr != b.stderr {
				t.Errorf("real: exit %d\nstdout %q\nstderr %q\nours: exit %d\nstdout %q\nstderr %q", a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr)
			}
			if strings.Join(a.files, "\n") != strings.Join(b.files, "\n") {
				t.Errorf("files differ:\nreal: %v\nours: %v", a.files, b.files)
			}
			for k, v := range a.contents {
				if b.contents[k] != v {
					t.Errorf("%s differs:\nreal %q\nours %q", k, v, b.contents[k])
				}
			}
		})
	}
}

// TestUnterminatedLastLine: 2.11 drops an unterminated last line at EOF;
// s6box logs it (the 2.12+ behaviour), so no line is ever lost.
func TestUnterminatedLastLine(t *testing.T) {
	cmd := harness.Command(t, "s6-log", "1")
	cmd.Stdin = strings.NewReader("one\ntwo")
	res := harness.RunCmd(t, 30*time.Second, cmd)
	if res.Code != 0 || res.Stdout != "one\ntwo\n" {
		t.Fatalf("exit %d stdout %q", res.Code, res.Stdout)
	}
	cmd = harness.Command(t, "s6-log", "1")
	cmd.Stdin = strings.NewReader("")
	if res := harness.RunCmd(t, 30*time.Second, cmd); res.Code != 0 || res.Stdout != "" {
		t.Fatalf("empty input: exit %d stdout %q", res.Code, res.Stdout)
	}
}

// TestCopyToStdout: the -c extension copies every line, selected or not,
// to stdout after the prefix.
func TestCopyToStdout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	cmd := harness.Command(t, "s6-log", "-c", "web: ", "--", "-skip", dir)
	cmd.Stdin = strings.NewReader("hello\nskip me\n")
	res := harness.RunCmd(t, 30*time.Second, cmd)
	if res.Code != 0 || res.Stdout != "web: hello\nweb: skip me\n" {
		t.Fatalf("exit %d stdout %q stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "current")); string(b) != "hello\n" {
		t.Fatalf("current = %q", b)
	}
}

// TestTai64nTools: our tai64n output is read by real s6-tai64nlocal and
// the other way round.
func TestTai64nTools(t *testing.T) {
	for _, pair := range [][2]string{{"s6-tai64n", harness.RealS6(t, "s6-tai64nlocal")}, {harness.RealS6(t, "s6-tai64n"), "s6-tai64nlocal"}} {
		cmd := harness.Command(t, pair[0])
		cmd.Stdin = strings.NewReader("a line\nsecond\n")
		res := harness.RunCmd(t, 30*time.Second, cmd)
		if !regexp.MustCompile(`^@[0-9a-f]{24} a line\n@[0-9a-f]{24} second\n$`).MatchString(res.Stdout) {
			t.Fatalf("%s: %q", pair[0], res.Stdout)
		}
		cmd = harness.Command(t, pair[1])
		cmd.Stdin = strings.NewReader(res.Stdout + "not stamped\n")
		res2 := harness.RunCmd(t, 30*time.Second, cmd)
		want := time.Now().Format("2006-01-02 15:04")
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} a line\n.* second\nnot stamped\n$`).MatchString(res2.Stdout) || !strings.Contains(res2.Stdout, want[:10]) {
			t.Fatalf("%s: %q", pair[1], res2.Stdout)
		}
	}
}

// TestClosedStdout: when stdout's reader goes away, "1" is disabled with a
// warning and the logdir still gets every line.
func TestClosedStdout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody will ever read stdout
	var in strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&in, "line %08d\n", i)
	}
	cmd := harness.Command(t, "s6-log", "1", "s1000000", dir)
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stdout = w
	res := harness.RunCmd(t, 30*time.Second, cmd)
	w.Close()
	if res.Code != 0 || !strings.Contains(res.Stderr, "stdout") {
		t.Fatalf("exit %d stderr %q", res.Code, res.Stderr)
	}
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), 5000)
}

// TestProcessorWithoutExecline: "!CMD" falls back to /bin/sh -c when
// execlineb is not in PATH (with it, $((1+2)) would stay literal). The farm
// has our execlineb, so PATH is a directory holding only s6-log.
func TestProcessorWithoutExecline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	bin := t.TempDir()
	if err := os.Symlink(harness.Binary(t), filepath.Join(bin, "s6-log")); err != nil {
		t.Fatal(err)
	}
	// 30 lines of 100 bytes pass s4096 (tolerance 2000): one rotation.
	cmd := harness.Command(t, filepath.Join(bin, "s6-log"), "s4096", "!echo $((1+2))", dir)
	for i, kv := range cmd.Env {
		if strings.HasPrefix(kv, "PATH=") {
			cmd.Env[i] = "PATH=" + bin
		}
	}
	cmd.Stdin = strings.NewReader(strings.Repeat(strings.Repeat("y", 99)+"\n", 30))
	if res := harness.RunCmd(t, 30*time.Second, cmd); res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	ss, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
	if len(ss) == 0 {
		t.Fatal("no archive")
	}
	if b, _ := os.ReadFile(ss[0]); string(b) != "3\n" {
		t.Fatalf("processor output %q, want \"3\\n\" from /bin/sh", b)
	}
}

// slowReader hands out one line per Read after a short pause, so the
// logger sees the lines one by one as from a live service.
type slowReader struct{ lines []string }

// pipe feeds the lines through a pipe, each one only once the logger has
// read everything before it (the pipe is empty): a logger starved of CPU
// on a loaded machine still gets one line per read, as the comparison
// with real s6-log assumes.
func (r *slowReader) pipe(t *testing.T) *os.File {
	t.Helper()
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Close() })
	drained := func() bool {
		n, err := unix.IoctlGetInt(int(wr.Fd()), unix.TIOCINQ)
		return err == nil && n == 0
	}
	go func() {
		defer wr.Close()
		for _, l := range r.lines {
			for deadline := time.Now().Add(20 * time.Second); !drained() && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(3 * time.Millisecond)
			if _, err := wr.WriteString(l); err != nil {
				return
			}
		}
	}()
	return rd
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		return 0, io.EOF
	}
	time.Sleep(3 * time.Millisecond)
	n := copy(p, r.lines[0])
	r.lines[0] = r.lines[0][n:]
	if r.lines[0] == "" {
		r.lines = r.lines[1:]
	}
	return n, nil
}

// TestCompatRotationAndProcessor: lines arriving one by one, several
// rotations, a processor, pruning by n and by S: same files, modes and
// contents as real s6-log. (With input in bursts 2.11 writes whole 8 KiB
// buffers, so its archives can exceed s; s6box always cuts at the line
// where current + tolerance reaches s: see TestArchivesRespectSize.)
func TestCompatRotationAndProcessor(t *testing.T) {
	real := harness.RealS6(t, "s6-log")
	ours := harness.Path(t, "s6-log")
	var lines []string
	for i := 0; i < 120; i++ {
		lines = append(lines, fmt.Sprintf("line %08d %s\n", i, strings.Repeat("r", 85)))
	}
	for _, sc := range [][]string{
		{"s4096", "n3", "?cat -n", "DIR/log"},
		{"s4096", "n100", "S5000", "DIR/log"},
		{"s4096", "n2", "t", "DIR/log", "p2nd", "s8192", "l0", "DIR/log2"},
	} {
		t.Run(strings.Join(sc, " "), func(t *testing.T) {
			outs := []outcome{}
			for _, prog := range []string{real, ours} {
				outs = append(outs, runOneFrom(t, prog, &slowReader{lines: append([]string{}, lines...)}, sc))
			}
			a, b := outs[0], outs[1]
			if a.code != b.code || a.stderr != b.stderr {
				t.Errorf("real: exit %d %q; ours: exit %d %q", a.code, a.stderr, b.code, b.stderr)
			}
			if strings.Join(a.files, "\n") != strings.Join(b.files, "\n") {
				t.Errorf("files differ:\nreal: %v\nours: %v", a.files, b.files)
			}
			for k, v := range a.contents {
				if b.contents[k] != v {
					t.Errorf("%s differs:\nreal %.200q\nours %.200q", k, v, b.contents[k])
				}
			}
		})
	}
}

// TestArchivesRespectSize: input in one burst still gives archives no
// bigger than s, each ending at a line boundary.
func TestArchivesRespectSize(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&in, "line %08d %s\n", i, strings.Repeat("b", 85))
	}
	dir := filepath.Join(t.TempDir(), "log")
	cmd := harness.Command(t, "s6-log", "s4096", "n1000", dir)
	cmd.Stdin = strings.NewReader(in.String())
	if res := harness.RunCmd(t, 30*time.Second, cmd); res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	ss, _ := filepath.Glob(filepath.Join(dir, "@*.s"))
	if len(ss) < 40 {
		t.Fatalf("%d archives for 200 kB at s4096", len(ss))
	}
	for _, a := range ss {
		b, _ := os.ReadFile(a)
		if len(b) > 4096 || len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("%s: %d bytes", a, len(b))
		}
	}
	checkExactlyOnce(t, numbers(t, logdirLines(t, dir)), 2000)
}
