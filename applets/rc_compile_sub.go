package applets

import (
	"fmt"
	"path/filepath"

	"s6box/core/tai64n"
	"s6box/rcdb/compile"
	"s6box/rcdb/rccmd"
)

// rcCompileSub is `rc compile SOURCE...`: compile the sources into a fresh
// database named compiled-<TAI64N> next to the database the live directory
// uses (or in /etc/s6-rc when there is no live directory) and print its
// path, ready for rc-update or rc-init -c.
func rcCompileSub(c *Ctx, o *rccmd.Options, sources []string) int {
	if len(sources) == 0 {
		return c.UsageFail("compile needs at least one source directory")
	}
	dir := "/etc/s6-rc"
	if p, err := filepath.EvalSymlinks(filepath.Join(o.Live, "compiled")); err == nil {
		dir = filepath.Dir(p)
	}
	target := filepath.Join(dir, "compiled-"+tai64n.Now().String()[1:])
	co := &compile.Options{Verbosity: o.Verbosity, Self: c.Self, Warn: c.Stderr, Info: c.Stderr, Prog: c.Prog}
	if _, err := compile.Compile(target, sources, co); err != nil {
		return rcFail(c, err)
	}
	fmt.Fprintln(c.Stdout, target)
	return 0
}
