package applets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"s6box/core/accessrules"
	"s6box/core/cdb"
	"s6box/core/ipc"
)

// checkUIDGID runs the ruleset named by -i DIR (rulesType 'i') or -x FILE
// ('x') for a client.
func checkUIDGID(rulesType byte, rules string, uid, gid int) (accessrules.Result, accessrules.Params, error) {
	var b accessrules.Backend
	switch rulesType {
	case 'i':
		b = accessrules.Dir(rules)
	case 'x':
		db, err := cdb.Open(rules)
		if err != nil {
			return accessrules.NotFound, accessrules.Params{}, err
		}
		b = accessrules.CDB{DB: db}
	default:
		return accessrules.Allow, accessrules.Params{}, nil
	}
	return accessrules.CheckUIDGID(b, uid, gid, os.Geteuid(), os.Getegid())
}

// applyEnv performs a rule's environment modifications.
func applyEnv(p accessrules.Params) error {
	for _, ch := range p.Changes() {
		var err error
		if ch.Unset {
			err = os.Unsetenv(ch.Name)
		} else {
			err = os.Setenv(ch.Name, ch.Value)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ch.Name, err)
		}
	}
	return nil
}

// ipcserverAccessMain: s6-ipcserver-access [ -v verbosity ] [ -E | -e ]
// [ -l localname ] [ -i rulesdir | -x rulesfile ] prog...
func ipcserverAccessMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("v:Eel:i:x:")
	if !ok {
		return code
	}
	verbosity, doenv := 1, true
	var rulesType byte
	rules, localname, haveLocal := "", "", false
	for _, o := range opts {
		switch o.Letter {
		case 'v':
			n, ok := parseUint(o.Value)
			if !ok {
				return c.UsageFail("invalid verbosity: " + o.Value)
			}
			verbosity = n
		case 'E':
			doenv = false
		case 'e':
			doenv = true
		case 'l':
			localname, haveLocal = o.Value, true
		case 'i', 'x':
			rulesType, rules = o.Letter, o.Value
		}
	}
	if len(rest) == 0 || rest[0] == "" {
		return c.UsageFail("")
	}
	proto, ok := os.LookupEnv("PROTO")
	if !ok {
		return c.Fatal(ExitUsage, "PROTO not set")
	}
	ids := [2]int{}
	for i, suffix := range []string{"REMOTEEUID", "REMOTEEGID"} {
		name := proto + suffix
		v, ok := os.LookupEnv(name)
		if !ok {
			return c.Fatal(ExitUsage, "%s not set", name)
		}
		n, ok := parseUint(v)
		if !ok {
			return c.Fatal(ExitUsage, "invalid %s", name)
		}
		ids[i] = n
	}
	uid, gid := ids[0], ids[1]
	if rulesType == 0 && verbosity >= 2 {
		c.Warn("invoked without a ruleset!")
	}
	r, p, err := checkUIDGID(rulesType, rules, uid, gid)
	if err != nil {
		kind := map[byte]string{'i': "fs", 'x': "cdb"}[rulesType]
		return c.Fatal(ExitSystem, "unable to check %s ruleset in %s: %v", kind, rules, err)
	}
	if r != accessrules.Allow {
		if verbosity >= 2 {
			why := "no matching rule"
			if r == accessrules.Deny {
				why = "denied by rule"
			}
			c.Info("deny pid %d uid %d gid %d: %s", os.Getpid(), uid, gid, why)
		}
		return 1
	}
	if verbosity > 0 {
		c.Info("allow pid %d uid %d gid %d", os.Getpid(), uid, gid)
	}
	if err := applyEnv(p); err != nil {
		return c.Fatal(ExitSystem, "unable to update environment: %v", err)
	}
	if doenv {
		if !haveLocal {
			name, err := ipc.LocalName(0)
			if err != nil {
				return c.Fatal(ExitSystem, "unable to ipc_local: %v", err)
			}
			localname = name
		}
		os.Setenv(proto+"LOCALPATH", localname)
	} else {
		os.Unsetenv("PROTO")
		for _, s := range []string{"REMOTEEUID", "REMOTEEGID", "REMOTEPATH", "LOCALPATH", "CONNNUM"} {
			os.Unsetenv(proto + s)
		}
	}
	if p.Exec != "" {
		return c.execSelf([]string{"execlineb", "-Pc", p.Exec})
	}
	return c.Exec(rest)
}

// connlimitMain: s6-connlimit prog...
func connlimitMain(c *Ctx) int {
	proto, ok := os.LookupEnv("PROTO")
	if !ok {
		return c.Fatal(ExitUsage, "PROTO not set")
	}
	if proto == "" {
		return c.Fatal(ExitUsage, "empty PROTO")
	}
	v, ok := os.LookupEnv(proto + "CONNNUM")
	if !ok {
		return c.Fatal(ExitUsage, "%sCONNNUM not set", proto)
	}
	num, ok := parseUint(v)
	if !ok {
		return c.Fatal(ExitUsage, "invalid %sCONNNUM", proto)
	}
	if m, ok := os.LookupEnv(proto + "CONNMAX"); ok {
		max, ok := parseUint(m)
		if !ok {
			return c.Fatal(ExitUsage, "invalid %sCONNMAX", proto)
		}
		if num > max {
			return c.Fatal(1, "number of connections from this client limited to %s", m)
		}
	}
	return c.Exec(c.Args)
}

// accessrulesCdbFromFsMain: s6-accessrules-cdb-from-fs cdbfile dir
func accessrulesCdbFromFsMain(c *Ctx) int {
	if len(c.Args) < 2 {
		return c.UsageFail("")
	}
	target, dir := c.Args[0], c.Args[1]
	tmp, err := os.CreateTemp(filepath.Dir(target), filepath.Base(target)+":s6-accessrules-cdb-from-fs:")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to create a temporary file beside %s: %v", target, err)
	}
	fail := func(code int, format string, a ...any) int {
		tmp.Close()
		os.Remove(tmp.Name())
		return c.Fatal(code, format, a...)
	}
	err = cdb.Build(tmp, func(w *cdb.Writer) error { return accessrules.Compile(dir, w, func(m string) { c.Warn("%s", m) }) })
	if errors.Is(err, accessrules.ErrTooBig) {
		return fail(ExitUsage, "%v", err)
	}
	if err != nil {
		return fail(ExitSystem, "unable to compile %s: %v", dir, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(ExitSystem, "unable to chmod %s: %v", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(ExitSystem, "unable to fd_sync: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return fail(ExitSystem, "unable to close %s: %v", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		os.Remove(tmp.Name())
		return c.Fatal(ExitSystem, "unable to rename %s to %s: %v", tmp.Name(), target, err)
	}
	return 0
}

// accessrulesFsFromCdbMain: s6-accessrules-fs-from-cdb dir cdbfile
func accessrulesFsFromCdbMain(c *Ctx) int {
	if len(c.Args) < 2 {
		return c.UsageFail("")
	}
	dir, file := c.Args[0], c.Args[1]
	db, err := cdb.Open(file)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to cdb_init: %v", err)
	}
	syscall.Umask(0)
	if err := accessrules.Decompile(db, dir); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Path == dir {
			return c.Fatal(ExitSystem, "unable to mkdir %s: %v", dir, pe.Err)
		}
		return c.Fatal(ExitSystem, "unable to handle cdb record: %s does not contain valid accessrules data: %v", file, err)
	}
	return 0
}
