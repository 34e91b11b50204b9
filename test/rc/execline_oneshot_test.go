package rc

import (
	"s6box/test/harness"

	"strings"
	"testing"
)

// An s6-rc oneshot written in execline (if, foreground, define, importas
// with a default, the runner's RC_NAME) runs through s6box's execline: the
// scanner's PATH has no execline and no s6box farm, so the commands come
// from the binary itself.
func TestExeclineOneshot(t *testing.T) {
	s := newSys(t)
	s.write(map[string]string{
		"greet/type": "oneshot\n",
		"greet/up": `if { echo one }
foreground { echo two }
define greeting "hello world"
importas -D dflt UNSET_FOR_TEST UNSET_FOR_TEST
importas -i name RC_NAME
echo ${greeting} ${UNSET_FOR_TEST} ${name}
`,
		"greet/down": "foreground { echo going } exit 0\n",
	})
	s.compile()
	s.boot(scanner{"s6box-no-path", func(t *testing.T) []string {
		return []string{"/usr/bin/env", "-u", "UNSET_FOR_TEST", "PATH=/usr/bin:/bin", harness.Path(t, "svscan")}
	}})
	out, code := s.rcCombined("-u", "change", "greet")
	if code != 0 || !strings.Contains(out, "one\ntwo\nhello world dflt greet\n") {
		t.Fatalf("up: %d\n%s", code, out)
	}
	out, code = s.rcCombined("-d", "change", "greet")
	if code != 0 || !strings.Contains(out, "going\n") {
		t.Fatalf("down: %d\n%s", code, out)
	}
}
