// Command testsum runs `go test -json ...` (its arguments), prints what
// plain `go test` would (ok lines, the output of failed tests, build
// errors), and ends with the tests that were skipped and a count line,
// "skipped: N tests". It exits with go test's status (1 if go test exited
// 0 although a test failed), so `make test` keeps its meaning.
//
// Usage: go run ./test/testsum go test -json -count=1 ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// summary follows the stream: output kept per test until it is known to
// have failed, skips collected for the end.
type summary struct {
	out     io.Writer
	pending map[string][]string // package + "\x00" + test → output lines
	skips   []string
	failed  bool
}

func newSummary(out io.Writer) *summary {
	return &summary{out: out, pending: map[string][]string{}}
}

func (s *summary) add(e event) {
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "output":
		s.pending[key] = append(s.pending[key], e.Output)
	case "build-output":
		fmt.Fprint(s.out, e.Output)
	case "build-fail":
		s.failed = true
	case "skip":
		if e.Test != "" {
			s.skips = append(s.skips, fmt.Sprintf("%s %s: %s", e.Package, e.Test, skipReason(s.pending[key])))
		} else {
			s.print(s.pending[key]) // "?   pkg [no test files]"
		}
		delete(s.pending, key)
	case "pass":
		if e.Test == "" {
			lines := s.pending[key]
			if len(lines) > 0 {
				fmt.Fprint(s.out, lines[len(lines)-1]) // "ok  pkg 1.2s"
			}
		}
		delete(s.pending, key)
	case "fail":
		s.failed = true
		s.print(s.pending[key])
		delete(s.pending, key)
	}
}

func (s *summary) print(lines []string) {
	for _, l := range lines {
		fmt.Fprint(s.out, l)
	}
}

// skipReason is what the test logged before skipping, without the
// framework's own lines.
func skipReason(lines []string) string {
	var r []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		r = append(r, t)
	}
	return strings.Join(r, " ")
}

// finish prints the skipped tests and the count line.
func (s *summary) finish() {
	for _, k := range s.skips {
		fmt.Fprintf(s.out, "SKIP %s\n", k)
	}
	fmt.Fprintf(s.out, "skipped: %d tests\n", len(s.skips))
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(s.out, sc.Text()) // not an event: pass it on
			continue
		}
		s.add(e)
	}
	return sc.Err()
}

func run(args []string, out io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: testsum go test -json [args...]")
		return 100
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testsum: %v\n", err)
		return 111
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testsum: unable to run %s: %v\n", args[0], err)
		return 111
	}
	s := newSummary(out)
	rerr := s.read(stdout)
	if rerr != nil {
		io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	s.finish()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(werr, &ee):
		code = ee.ExitCode()
		if code < 0 {
			code = 1 // killed by a signal
		}
	case werr != nil:
		fmt.Fprintf(os.Stderr, "testsum: %v\n", werr)
		code = 111
	}
	if rerr != nil {
		fmt.Fprintf(os.Stderr, "testsum: reading go test's output: %v\n", rerr)
		code = max(code, 1)
	}
	if code == 0 && s.failed {
		code = 1
	}
	return code
}

func main() { os.Exit(run(os.Args[1:], os.Stdout)) }
