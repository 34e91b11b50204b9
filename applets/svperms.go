package applets

import (
	"fmt"
	"strings"

	"s6box/core/fsutil"
	"s6box/core/svperms"
)

// svpermsMain changes (-u -g -G -o -O, -e -E) and/or prints (-v, or no
// option) the permissions of each servicedir. Exit 1 if a printed dir has
// modes s6 never sets.
func svpermsMain(c *Ctx) int {
	opts, dirs, code, ok := c.Getopt("vug:G:oO:eE:")
	if !ok {
		return code
	}
	var set svperms.Setting
	show, setSup, setEv := false, false, false
	evGid := svperms.EventPublic
	for _, o := range opts {
		var err error
		switch o.Letter {
		case 'v':
			show = true
		case 'u':
			setSup, set = true, svperms.Setting{Access: svperms.Owner}
		case 'g':
			setSup, set = true, svperms.Setting{Access: svperms.Group}
			set.Gid, err = svperms.GroupID(o.Value)
		case 'G':
			setSup, set = true, svperms.Setting{Access: svperms.Group, ControlGroup: true}
			set.Gid, err = svperms.GroupID(o.Value)
		case 'o':
			setSup, set = true, svperms.Setting{Access: svperms.Public}
		case 'O':
			setSup, set = true, svperms.Setting{Access: svperms.Public, ControlGroup: true}
			set.Gid, err = svperms.GroupID(o.Value)
		case 'e':
			setEv, evGid = true, svperms.EventPublic
		case 'E':
			setEv = true
			evGid, err = svperms.GroupID(o.Value)
		}
		if err != nil {
			return c.Fatal(ExitUsage, "%v", err)
		}
	}
	if len(dirs) == 0 {
		return c.UsageFail("")
	}
	if !setSup && !setEv {
		show = true
	}
	var out strings.Builder
	bad := 0
	for _, d := range dirs {
		if setSup {
			if err := svperms.SetSupervise(d, set); err != nil {
				fmt.Fprint(c.Stdout, out.String())
				return c.Fatal(ExitSystem, "%v", err)
			}
		}
		if setEv {
			if err := svperms.SetEvent(d, evGid); err != nil {
				fmt.Fprint(c.Stdout, out.String())
				return c.Fatal(ExitSystem, "%v", err)
			}
		}
		if show {
			lines, problems := svperms.Report(d)
			for _, p := range problems {
				c.Warn("%s", p)
				bad = 1
			}
			for _, l := range lines {
				out.WriteString(l)
				out.WriteByte('\n')
			}
		}
	}
	if _, err := fmt.Fprint(c.Stdout, out.String()); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %v", fsutil.Bare(err))
	}
	return bad
}
