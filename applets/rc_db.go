package applets

import (
	"fmt"
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
		fmt.Fprint(c.Stdout, strings.ReplaceAll(query.Help, "PROG", c.Prog))
		return 0
	}
	if compiled == "" {
		compiled = filepath.Join(liveDir, "compiled")
	}
	lk, err := live.LockFile(filepath.Join(compiled, "lock"), false, block)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to take lock on %s: %v", compiled, rcdb.Unwrap(err))
	}
	defer lk.Close()
	db, err := rcdb.Load(compiled)
	if err != nil {
		return rcFail(c, err)
	}
	o.What = compiled
	if err := query.Run(db, o, rest[0], rest[1:], c.Stdout); err != nil {
		if re, ok := err.(*rcdb.Error); ok && re.Code == 5 && re.Msg == "" {
			return 5
		}
		if re, ok := err.(*rcdb.Error); ok && re.Code == 100 {
			return c.UsageFail(re.Msg)
		}
		return rcFail(c, err)
	}
	return 0
}
