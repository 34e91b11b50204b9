package applets

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/userdb"
)

var errInval = syscall.EINVAL

// ids is what envuidgid and applyuidgid move around.
type ids struct {
	uid, gid int
	list     []int
}

func formatGidlist(l []int) string {
	s := make([]string, len(l))
	for i, g := range l {
		s[i] = strconv.Itoa(g)
	}
	return strings.Join(s, ",")
}

// parseGidlist parses "1,2,3" ("" is the empty list).
func parseGidlist(s string) ([]int, bool) {
	if s == "" {
		return []int{}, true
	}
	var l []int
	for _, f := range strings.Split(s, ",") {
		n, ok := parseID(f)
		if !ok {
			return nil, false
		}
		l = append(l, n)
	}
	return l, true
}

func parseID(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return int(n), err == nil
}

// lookupError maps a database error: a missing entry is "unknown", exit 1;
// an unreadable database is 111.
func lookupError(c *Ctx, what, name string, err error) int {
	if errors.Is(err, userdb.ErrNotFound) {
		return c.Fatal(1, "unknown %s: %s", what, name)
	}
	return c.Fatal(ExitSystem, "unable to look up %s %s: %v", what, name, err)
}

// applyIDs does s6-applyuidgid's work: supplementary groups (when list is
// not nil) with the gid first, then setgid and setuid, each skipped when 0.
// The runtime applies each call to every thread of the process.
func applyIDs(c *Ctx, v ids) int {
	if v.list != nil {
		first := v.gid
		if first == 0 {
			first = os.Getegid()
		}
		groups := []int{first}
		for _, g := range v.list {
			if g != first {
				groups = append(groups, g)
			}
		}
		if err := syscall.Setgroups(groups); err != nil {
			return c.Fatal(ExitSystem, "unable to set supplementary group list: %v", err)
		}
	}
	if v.gid != 0 {
		if err := syscall.Setgid(v.gid); err != nil {
			return c.Fatal(ExitSystem, "unable to setgid %d: %v", v.gid, err)
		}
	}
	if v.uid != 0 {
		if err := syscall.Setuid(v.uid); err != nil {
			return c.Fatal(ExitSystem, "unable to setuid %d: %v", v.uid, err)
		}
	}
	return 0
}

// applyuidgidMain: applyuidgid [ -z ] [ -u uid ] [ -g gid ] [ -G gidlist ] [ -U ] prog...
func applyuidgidMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("zu:g:G:U")
	if !ok {
		return code
	}
	var v ids
	unexport := false
	for _, op := range opts {
		var ok bool
		switch op.Letter {
		case 'z':
			unexport = true
		case 'u':
			if v.uid, ok = parseID(op.Value); !ok {
				return c.UsageFail("invalid uid: " + op.Value)
			}
		case 'g':
			if v.gid, ok = parseID(op.Value); !ok {
				return c.UsageFail("invalid gid: " + op.Value)
			}
		case 'G':
			if v.list, ok = parseGidlist(op.Value); !ok {
				return c.UsageFail("invalid gid list: " + op.Value)
			}
		case 'U':
			for _, name := range []string{"UID", "GID", "GIDLIST"} {
				val, set := os.LookupEnv(name)
				if !set {
					return c.Fatal(ExitUsage, "%s not set", name)
				}
				switch name {
				case "UID":
					v.uid, ok = parseID(val)
				case "GID":
					v.gid, ok = parseID(val)
				default:
					v.list, ok = parseGidlist(val)
				}
				if !ok {
					return c.Fatal(ExitUsage, "invalid %s: %q", name, val)
				}
			}
		}
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	if code := applyIDs(c, v); code != 0 {
		return code
	}
	if unexport {
		unsetIDs()
	}
	return c.Exec(rest)
}

func unsetIDs() {
	os.Unsetenv("UID")
	os.Unsetenv("GID")
	os.Unsetenv("GIDLIST")
}

// envuidgidMain: envuidgid [ -u | -g | -B ] [ -n ] [ -i | -D uid:gid:gidlist ] account prog...
func envuidgidMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("ugBniD:")
	if !ok {
		return code
	}
	what := 'U' // default: user, primary group and supplementary groups
	numeric := false
	var def *ids
	for _, op := range opts {
		switch op.Letter {
		case 'u', 'g', 'B':
			what = rune(op.Letter)
		case 'n':
			numeric = true
		case 'i':
			def = nil
		case 'D':
			d, ok := parseDefaults(op.Value)
			if !ok {
				return c.UsageFail("invalid -D argument: " + op.Value)
			}
			def = &d
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	if numeric && what == 'U' {
		what = 'B' // -n drops GIDLIST
	}
	account := rest[0]
	// resolve turns a user or group name into an id: the database first,
	// then (-n) a numeric literal, then the -D default.
	resolve := func(what, name string, lookup func(string) (int, error), fallback func(ids) int) (int, int) {
		if name == "" {
			if def != nil {
				return fallback(*def), 0
			}
			return 0, 0
		}
		id, err := lookup(name)
		if err == nil {
			return id, 0
		}
		if errors.Is(err, userdb.ErrNotFound) {
			if n, ok := parseID(name); numeric && ok {
				return n, 0
			}
			if def != nil {
				return fallback(*def), 0
			}
		}
		return 0, lookupError(c, what, name, err)
	}
	user := func(name string) (int, int) {
		return resolve("user", name, func(n string) (int, error) {
			u, err := userdb.LookupUser(userdb.PasswdFile, n)
			return u.UID, err
		}, func(d ids) int { return d.uid })
	}
	group := func(name string) (int, int) {
		return resolve("group", name, func(n string) (int, error) {
			g, err := userdb.LookupGroup(userdb.GroupFile, n)
			return g.GID, err
		}, func(d ids) int { return d.gid })
	}
	switch what {
	case 'u':
		uid, code := user(account)
		if code != 0 {
			return code
		}
		os.Setenv("UID", strconv.Itoa(uid))
	case 'g':
		gid, code := group(account)
		if code != 0 {
			return code
		}
		os.Setenv("GID", strconv.Itoa(gid))
	case 'B':
		un, gn, _ := strings.Cut(account, ":")
		uid, code := user(un)
		if code != 0 {
			return code
		}
		gid, code := group(gn)
		if code != 0 {
			return code
		}
		os.Setenv("UID", strconv.Itoa(uid))
		os.Setenv("GID", strconv.Itoa(gid))
	default:
		v, code := lookupAccount(c, account, def)
		if code != 0 {
			return code
		}
		exportIDs(v)
	}
	return c.Exec(rest[1:])
}

func exportIDs(v ids) {
	os.Setenv("UID", strconv.Itoa(v.uid))
	os.Setenv("GID", strconv.Itoa(v.gid))
	os.Setenv("GIDLIST", formatGidlist(v.list))
}

// lookupAccount finds a user's uid, primary gid and supplementary groups,
// or uses def when the user is unknown and def is given.
func lookupAccount(c *Ctx, account string, def *ids) (ids, int) {
	u, err := userdb.LookupUser(userdb.PasswdFile, account)
	if err != nil {
		if def != nil && errors.Is(err, userdb.ErrNotFound) {
			return *def, 0
		}
		return ids{}, lookupError(c, "user", account, err)
	}
	list, err := userdb.SupplementaryGroups(userdb.GroupFile, u.Name)
	if err != nil {
		return ids{}, c.Fatal(ExitSystem, "unable to read supplementary groups of %s: %v", account, err)
	}
	if list == nil {
		list = []int{}
	}
	return ids{uid: u.UID, gid: u.GID, list: list}, 0
}

// parseDefaults parses -D's "uid:gid:gidlist" (missing or empty parts are
// 0 or the empty list).
func parseDefaults(s string) (ids, bool) {
	parts := strings.SplitN(s, ":", 3)
	var v ids
	var ok = true
	if parts[0] != "" {
		v.uid, ok = parseID(parts[0])
	}
	if ok && len(parts) > 1 && parts[1] != "" {
		v.gid, ok = parseID(parts[1])
	}
	v.list = []int{}
	if ok && len(parts) > 2 {
		v.list, ok = parseGidlist(parts[2])
	}
	return v, ok
}

// setuidgidMain: setuidgid account prog...
func setuidgidMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("")
	if !ok {
		return code
	}
	_ = opts
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	account, prog := rest[0], rest[1:]
	if account == "" {
		return c.Exec(prog)
	}
	if us, gs, found := strings.Cut(account, ":"); found {
		uid, ok1 := parseID(us)
		gid, ok2 := parseID(gs)
		if !ok1 || !ok2 {
			return c.UsageFail("invalid uid:gid: " + account)
		}
		if code := applyIDs(c, ids{uid: uid, gid: gid, list: []int{}}); code != 0 {
			return code
		}
		return c.Exec(prog)
	}
	v, code := lookupAccount(c, account, nil)
	if code != 0 {
		return code
	}
	// As s6-envuidgid + s6-applyuidgid -Uz: the variables end up unset.
	if code := applyIDs(c, v); code != 0 {
		return code
	}
	unsetIDs()
	return c.Exec(prog)
}
