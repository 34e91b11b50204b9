package applets

import (
	"strings"
	"syscall"
	"time"

	"s6box/core/errtext"
	"s6box/rcdb"
)

const rcBundleHelp = `PROG help
PROG add bundlename contents...
PROG delete bundlenames...
PROG multiple { to-delete } to-add { contents... } ... (execlineb syntax)
`

// rcBundleMain adds and deletes bundles in a compiled database in place.
func rcBundleMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("fl:c:b")
	if !ok {
		return code
	}
	liveDir, compiled, force, block := "/run/s6-rc", "", false, false
	for _, o := range opts {
		switch o.Letter {
		case 'f':
			force = true
		case 'l':
			liveDir = o.Value
		case 'c':
			compiled = o.Value
		case 'b':
			block = true
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	cmd, args := rest[0], rest[1:]
	var del []string
	var add []rcdb.BundleAdd
	switch cmd {
	case "help":
		if _, err := c.Stdout.Write([]byte(strings.ReplaceAll(rcBundleHelp, "PROG", c.Prog))); err != nil {
			return c.Fatal(ExitSystem, "unable to write to stdout: %s", errtext.Libc(err))
		}
		return 0
	case "add":
		if len(args) < 2 {
			return c.UsageFail("")
		}
		add = []rcdb.BundleAdd{{Name: args[0], Contents: args[1:]}}
	case "delete":
		if len(args) < 1 {
			return c.UsageFail("")
		}
		del = args
	case "multiple":
		if len(args) < 2 {
			return c.UsageFail("")
		}
		var code int
		if del, add, code = rcBundleMultiple(c, args); code >= 0 {
			return code
		}
	default:
		return c.UsageFail("")
	}
	db, compiled, lk, code := rcLoadCompiled(c, liveDir, compiled, true, block)
	if db == nil {
		return code
	}
	defer lk.Close()
	if err := db.EditBundles(del, add, force, compiled); err != nil {
		return rcFail(c, err)
	}
	if err := db.Check(); err != nil {
		return rcFail(c, err)
	}
	if err := rcdb.Save(compiled, db); err != nil {
		return rcFail(c, err)
	}
	return 0
}

// rcBundleMultiple reads `{ to-delete } name { contents } …` in
// execlineb's block encoding (words of a block start with a blank, an
// empty word ends it). It returns code -1 to go on.
func rcBundleMultiple(c *Ctx, args []string) (del []string, add []rcdb.BundleAdd, code int) {
	block := func(a []string) ([]string, []string, bool) {
		for i, w := range a {
			if w == "" {
				out := make([]string, i)
				for j := range out {
					out[j] = unquoteBlock(a[j])
				}
				return out, a[i+1:], true
			}
		}
		return nil, nil, false
	}
	del, args, ok := block(args)
	if !ok {
		return nil, nil, c.Fatal(ExitUsage, "unterminated block")
	}
	for len(args) > 0 {
		name := args[0]
		args = args[1:]
		if len(args) == 0 {
			return nil, nil, c.Fatal(ExitUsage, "missing bundle contents block")
		}
		var contents []string
		if contents, args, ok = block(args); !ok {
			return nil, nil, c.Fatal(ExitUsage, "unterminated block")
		}
		add = append(add, rcdb.BundleAdd{Name: name, Contents: contents})
	}
	return del, add, -1
}

// rcDryrunMain prints what it was asked to run, then sleeps.
func rcDryrunMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("v:t:")
	if !ok {
		return code
	}
	verbosity, ms := uint64(1), uint64(1000)
	for _, o := range opts {
		v, err := parseMillis(o.Value)
		if err != nil {
			return c.UsageFail("")
		}
		if o.Letter == 'v' {
			verbosity = v
		} else {
			ms = v
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if verbosity > 0 {
		line := c.Prog + ": " + strings.Join(rest, " ") + "\n"
		if _, err := c.Stdout.Write([]byte(line)); err != nil {
			return c.Fatal(ExitSystem, "unable to write to stdout: %s", errtext.Libc(err))
		}
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return 0
}

// initEchoMain writes its arguments, separated by a blank or -s's first
// character, and a newline unless -n.
func initEchoMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("ns:")
	if !ok {
		return code
	}
	sep, nl := byte(' '), true
	for _, o := range opts {
		if o.Letter == 'n' {
			nl = false
		} else if o.Value == "" {
			sep = 0
		} else {
			sep = o.Value[0]
		}
	}
	var b []byte
	for i, a := range rest {
		if i > 0 {
			b = append(b, sep)
		}
		b = append(b, a...)
	}
	if nl {
		b = append(b, '\n')
	}
	if _, err := c.Stdout.Write(b); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %s", errtext.Libc(err))
	}
	return 0
}

// initNukeMain sends SIGKILL to every process it may signal (kill -1):
// everything but pid 1 and itself. It exits 1 if kill failed.
func initNukeMain(c *Ctx) int {
	if err := syscall.Kill(-1, syscall.SIGKILL); err != nil {
		return 1
	}
	return 0
}
