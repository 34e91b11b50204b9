package clients

import (
	"strings"
	"testing"
)

// TestRealCommandLines runs command lines as the s6 guides write them,
// with ours and the real tools side by side.
func TestRealCommandLines(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{"a": {run: sleepRun, down: true}})
		a := sv["a"]
		mustOK(t, "svc -wu -u", ours(t, "svc", "-wu", "-u", a))
		mustOK(t, "s6-svc -wd -T5000 -d", real(t, "s6-svc", "-wd", "-T5000", "-d", a))
		mustOK(t, "svc -wU -T 3000 -u (downgraded)", ours(t, "svc", "-wU", "-T", "3000", "-u", a))
		mustOK(t, "s6-svc -wu -T5000", real(t, "s6-svc", "-wu", "-T5000", a))

		// -uwNrpest: the last field (-t) is an elapsed time.
		o, r := ours(t, "svstat", "-uwNrpest", a), real(t, "s6-svstat", "-uwNrpest", a)
		of, rf := strings.Fields(o.Stdout), strings.Fields(r.Stdout)
		if len(of) != 8 || len(rf) != 8 || strings.Join(of[:7], " ") != strings.Join(rf[:7], " ") {
			t.Errorf("-uwNrpest: ours %q real %q", o.Stdout, r.Stdout)
		}
		o, r = ours(t, "svstat", "-o", "up,wantedup,pid", a), real(t, "s6-svstat", "-o", "up,wantedup,pid", a)
		if o.Stdout != r.Stdout || !strings.HasPrefix(o.Stdout, "true true ") {
			t.Errorf("-o up,wantedup,pid: ours %q real %q", o.Stdout, r.Stdout)
		}
		o, r = ours(t, "svstat", "-o", "up", "-u", "-p", a), real(t, "s6-svstat", "-o", "up", "-u", "-p", a)
		if o.Stdout != r.Stdout {
			t.Errorf("-o up -u -p: ours %q real %q", o.Stdout, r.Stdout)
		}
	})
}
