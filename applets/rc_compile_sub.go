package applets

import (
	"fmt"
	"path/filepath"

	"s6box/core/tai64n"
	"s6box/rcdb/compile"
	"s6box/rcdb/engine"
	"s6box/rcdb/update"
)

// rcCompileSub is `rc compile SOURCE...`: compile the sources into a fresh
// database named compiled-<TAI64N> next to the database the live directory
// uses (or in /etc/s6-rc when there is no live directory) and print its
// path, ready for rc-update or rc-init -c.
func rcCompileSub(c *Ctx, o *rcOptions, sources []string) int {
	if len(sources) == 0 {
		return c.UsageFail("compile needs at least one source directory")
	}
	target, code := compileFresh(c, o, sources)
	if code != 0 {
		return code
	}
	fmt.Fprintln(c.Stdout, target)
	return 0
}

// compileFresh compiles sources into DIR/compiled-<TAI64N>, DIR being where
// the live database lives (or /etc/s6-rc).
func compileFresh(c *Ctx, o *rcOptions, sources []string) (string, int) {
	dir := "/etc/s6-rc"
	if p, err := filepath.EvalSymlinks(filepath.Join(o.live, "compiled")); err == nil {
		dir = filepath.Dir(p)
	}
	target := filepath.Join(dir, "compiled-"+tai64n.Now().String()[1:])
	co := &compile.Options{Verbosity: o.verbosity, Self: c.Self(), Warn: c.Warn, Info: c.Info}
	if _, err := compile.Compile(target, sources, co); err != nil {
		return "", rcFail(c, err)
	}
	return target, 0
}

// rcUpdateSub is `rc update SOURCE...`: `rc compile` followed by rc-update
// to the fresh database, with rc's -l, -v, -t and -b.
func rcUpdateSub(c *Ctx, o *rcOptions, sources []string) int {
	if len(sources) == 0 {
		return c.UsageFail("update needs at least one source directory")
	}
	target, code := compileFresh(c, o, sources)
	if code != 0 {
		return code
	}
	if o.verbosity >= 2 {
		c.Info("compiled %s", target)
	}
	live, err := filepath.Abs(o.live)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to resolve %s: %v", o.live, err)
	}
	uo := &update.Options{Messages: engine.Messages{Verbosity: o.verbosity, Info: c.Info, Warn: c.Warn},
		Prog: c.Prog, Live: live, NewDB: target, Timeout: o.timeout, Block: o.block, Stdout: c.Stdout, Stdio: o.stdio}
	code, err = update.Run(uo)
	if err != nil {
		return rcFail(c, err)
	}
	return code
}
