package execline_test

import (
	"strings"
	"testing"

	"s6box/test/harness"
)

// TestDeliberateDifferences: inputs where Debian's execline 2.9.3 does
// something no script can want, and ours stops with a clear message
// instead. `export "" x` puts "=x" in the environment (exit 0 there);
// `trap { 999 { … } }` is killed by a signal there.
func TestDeliberateDifferences(t *testing.T) {
	for _, c := range []struct {
		argv []string
		code int
		msg  string
	}{
		{[]string{"export", "", "x", "true"}, 100, "export: fatal: invalid variable name: empty"},
		{[]string{"execlineb", "-Pc", "trap { 999 { echo x } } true"}, 100, "trap: fatal: unrecognized directive: 999"},
	} {
		r := harness.Run(t, c.argv[0], c.argv[1:]...)
		if r.Code != c.code || !strings.Contains(r.Stderr, c.msg) {
			t.Errorf("%q: code %d, stderr %q; want %d and %q", c.argv, r.Code, r.Stderr, c.code, c.msg)
		}
	}
}
