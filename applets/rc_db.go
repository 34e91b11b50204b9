package applets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"s6box/rcdb"
	"s6box/rcdb/live"
	"s6box/rcdb/query"
)

func rcDbMain(c *Ctx) int {
	args, err := rcLongOpts(c.Args, map[string]string{"up": "u", "down": "d", "livedir": "l:", "compiled": "c:",
		"block": "b", "with-essentials": "E", "without-essentials": "e"}, "udl:c:bEe")
	if err != nil {
		return c.UsageFail(err.Error())
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt("udl:c:bEe")
	if !ok {
		return code
	}
	liveDir, compiled, block := "/run/s6-rc", "", false
	o := &query.Options{}
	for _, op := range opts {
		switch op.Letter {
		case 'u':
			o.Down = false
		case 'd':
			o.Down = true
		case 'l':
			liveDir = op.Value
		case 'c':
			compiled = op.Value
		case 'b':
			block = true
		case 'E':
			o.NoEssential = false
		case 'e':
			o.NoEssential = true
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if rest[0] == "help" {
		fmt.Fprint(c.Stdout, strings.ReplaceAll(rcDbHelp, "PROG", c.Prog))
		return 0
	}
	db, compiled, lk, code := rcLoadCompiled(c, liveDir, compiled, false, block)
	if db == nil {
		return code
	}
	defer lk.Close()
	o.What = compiled
	err = query.Run(db, o, rest[0], rest[1:], c.Stdout)
	var re *rcdb.Error
	switch {
	case err == nil:
		return 0
	case errors.Is(err, query.ErrNoPipeline):
		return exitNoPipeline
	case errors.As(err, &re) && re.Code == ExitUsage:
		return c.UsageFail(re.Msg)
	}
	return rcFail(c, err)
}

// rcLoadCompiled locks (shared or exclusive) and loads the compiled
// database COMPILED, or LIVE/compiled; a nil db comes with the exit code.
func rcLoadCompiled(c *Ctx, liveDir, compiled string, exclusive, block bool) (*rcdb.DB, string, *os.File, int) {
	if compiled == "" {
		compiled = filepath.Join(liveDir, "compiled")
	}
	lk, err := live.LockFile(filepath.Join(compiled, "lock"), exclusive, block)
	if err != nil {
		return nil, compiled, nil, c.Fatal(ExitSystem, "unable to take lock on %s: %v", compiled, rcdb.Unwrap(err))
	}
	db, err := rcdb.Load(compiled)
	if err != nil {
		lk.Close()
		return nil, compiled, nil, rcFail(c, err)
	}
	return db, compiled, lk, -1
}

// exitNoPipeline is s6-rc-db's exit code for "pipeline" of a bundle or a
// oneshot, which prints nothing.
const exitNoPipeline = 5

// rcDbHelp is s6-rc-db's help text.
const rcDbHelp = `PROG [ -u | -d ] [ -l live ] [ -c compiled ] [ -b ] [ -E | -e ] command...
commands: help, check, list all|services|oneshots|longruns|bundles, type NAME,
timeout ATOM, contents BUNDLE, dependencies NAME..., pipeline LONGRUN,
script ONESHOT, flags ATOM, atomics NAME..., all-dependencies NAME...
`
