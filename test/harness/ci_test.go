package harness

import (
	"testing"
)

// recorder stands in for a test: it records Fatalf and Skipf instead of
// ending the goroutine.
type recorder struct {
	testing.TB
	fatal, skip bool
}

func (r *recorder) Helper()                          {}
func (r *recorder) Fatalf(string, ...any)            { r.fatal = true }
func (r *recorder) Skipf(string, ...any)             { r.skip = true }
func (r *recorder) run(f func(testing.TB)) *recorder { f(r); return r }

func TestSkipOrFailFailsInCI(t *testing.T) {
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := (&recorder{TB: t}).run(func(tb testing.TB) { SkipOrFail(tb, "no %s", "tool") })
		if r.fatal != (ci == "true") || r.skip != (ci != "true") {
			t.Errorf("CI=%q: fatal=%v skip=%v", ci, r.fatal, r.skip)
		}
		r = (&recorder{TB: t}).run(func(tb testing.TB) { NeedProgram(tb, "/nonexistent/tool", "none") })
		if r.fatal != (ci == "true") || r.skip != (ci != "true") {
			t.Errorf("NeedProgram, CI=%q: fatal=%v skip=%v", ci, r.fatal, r.skip)
		}
		r = &recorder{TB: t}
		if Optional(r, "x", false) || r.fatal != (ci == "true") || r.skip {
			t.Errorf("Optional, CI=%q: fatal=%v skip=%v", ci, r.fatal, r.skip)
		}
		r = &recorder{TB: t}
		if !Optional(r, "x", true) || r.fatal {
			t.Errorf("Optional present, CI=%q: fatal=%v", ci, r.fatal)
		}
	}
}
