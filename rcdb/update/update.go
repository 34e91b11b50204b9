// Package update switches a live system to a new compiled database, like
// s6-rc-update: it works out which up services must restart (vanished,
// renamed to a bundle, changed type, changed longrun service directory,
// "restart" in the conversion file, or depending on one of those), stops
// them with the old database, builds a new live directory (running
// longruns' service directories are moved, so their supervisors keep
// going), atomically switches the live link, puts new longruns under
// supervision and starts again everything that was up.
package update

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"s6box/core/execline"
	"s6box/core/fsutil"
	"s6box/core/svc"
	"s6box/rcdb"
	"s6box/rcdb/engine"
	"s6box/rcdb/fdholder"
	"s6box/rcdb/live"
)

// Options of an update.
type Options struct {
	engine.Messages
	Prog     string // decides the dry run's prefix, rc-dryrun or s6-rc-dryrun
	Live     string
	NewDB    string
	ConvFile string
	DryRun   bool
	Timeout  time.Duration
	Block    bool
	Force    bool      // -e: stop essential services too when they must restart
	Stdout   io.Writer // the dry run's output
	Stdio    [3]*os.File
}

type conv struct {
	newName string
	restart bool
}

// ParseConv parses a conversion file: one "OLD [-> NEW] [restart]" per
// line, lexed with the execline rules.
func ParseConv(b []byte, old *rcdb.DB, what string) (map[int]conv, error) {
	out := map[int]conv{}
	targets := map[string]string{}
	for n, line := range strings.Split(string(b), "\n") {
		words, err := execline.Parse([]byte(line))
		if err != nil {
			return nil, rcdb.Errorf(100, "syntax error in %s line %d: %v", what, n+1, err)
		}
		if len(words) == 0 {
			continue
		}
		l, ok := old.Resolve(words[0])
		if !ok {
			return nil, rcdb.Errorf(3, "%s line %d: unknown service name %s", what, n+1, words[0])
		}
		if old.IsBundle(words[0]) {
			return nil, rcdb.Errorf(5, "%s line %d: %s is not an atomic service", what, n+1, words[0])
		}
		i := l[0]
		if _, dup := out[i]; dup {
			return nil, rcdb.Errorf(6, "%s line %d: service %s is listed twice", what, n+1, words[0])
		}
		c := conv{newName: words[0]}
		rest := words[1:]
		for len(rest) > 0 {
			switch {
			case rest[0] == "->" && len(rest) > 1:
				c.newName = rest[1]
				rest = rest[2:]
			case rest[0] == "restart":
				c.restart = true
				rest = rest[1:]
			default:
				return nil, rcdb.Errorf(100, "%s line %d: unexpected word %s", what, n+1, rest[0])
			}
		}
		if prev, dup := targets[c.newName]; dup && c.newName != words[0] {
			return nil, rcdb.Errorf(6, "%s line %d: %s is the target of both %s and %s", what, n+1, c.newName, prev, words[0])
		}
		targets[c.newName] = words[0]
		out[i] = c
	}
	return out, nil
}

// Plan is what an update will do.
type Plan struct {
	Map     []int  // old atom → new atom, -1 if it vanished or became a bundle
	Restart []bool // old atoms (up) to stop before the switch
	StartUp []bool // new atoms to bring up after the switch
	NewUp   []bool // new atoms that are up right after the switch
}

// sameTree reports whether two directory trees hold the same files with the
// same types, modes and contents.
func sameTree(a, b string) bool { return covers(a, b) && covers(b, a) }

// covers reports whether every file of b exists in a, identical.
func covers(a, b string) bool {
	differs := false
	filepath.Walk(b, func(p string, info os.FileInfo, err error) error {
		if err != nil || differs {
			return nil
		}
		rel, _ := filepath.Rel(b, p)
		q := filepath.Join(a, rel)
		qi, err := os.Lstat(q)
		if err != nil || qi.Mode().Type() != info.Mode().Type() || qi.Mode().Perm() != info.Mode().Perm() {
			differs = true
			return nil
		}
		if info.Mode().IsRegular() {
			x, _ := os.ReadFile(p)
			y, _ := os.ReadFile(q)
			if !bytes.Equal(x, y) {
				differs = true
			}
		}
		return nil
	})
	return !differs
}

// MakePlan computes the plan from the old live state and the new db.
func MakePlan(l *live.Live, oldDBDir string, newDB *rcdb.DB, newDBDir string, convs map[int]conv) *Plan {
	old := l.DB
	p := &Plan{Map: make([]int, len(old.Atoms)), Restart: make([]bool, len(old.Atoms)),
		StartUp: make([]bool, len(newDB.Atoms)), NewUp: make([]bool, len(newDB.Atoms))}
	for i, a := range old.Atoms {
		p.Map[i] = -1
		name := a.Name
		c, hasConv := convs[i]
		if hasConv {
			name = c.newName
		}
		nl, ok := newDB.Resolve(name)
		if ok && !newDB.IsBundle(name) && newDB.Atoms[nl[0]].Type == a.Type {
			p.Map[i] = nl[0]
		}
		if !l.Up(i) {
			continue
		}
		switch {
		case p.Map[i] < 0, hasConv && c.restart:
			p.Restart[i] = true
		case a.Type == rcdb.Longrun && i >= 2 &&
			!sameTree(filepath.Join(oldDBDir, "servicedirs", a.Name), filepath.Join(newDBDir, "servicedirs", newDB.Atoms[p.Map[i]].Name)):
			p.Restart[i] = true
		}
	}
	for changed := true; changed; {
		changed = false
		// up in the new db right after the switch
		for j := range p.NewUp {
			p.NewUp[j] = false
		}
		for i := range old.Atoms {
			if l.Up(i) && !p.Restart[i] && p.Map[i] >= 0 {
				p.NewUp[p.Map[i]] = true
			}
		}
		for i := range old.Atoms {
			if !l.Up(i) || p.Restart[i] {
				continue
			}
			restart := false
			for _, d := range old.Atoms[i].Deps {
				if p.Restart[d] {
					restart = true
				}
			}
			for _, d := range newDB.Atoms[p.Map[i]].Deps {
				if !p.NewUp[d] {
					restart = true
				}
			}
			if restart {
				p.Restart[i] = true
				changed = true
			}
		}
	}
	for i := range old.Atoms {
		if l.Up(i) && p.Map[i] >= 0 {
			p.StartUp[p.Map[i]] = true
		}
		if l.Up(i) && p.Map[i] < 0 {
			// a service that became a bundle: bring the bundle up
			name := old.Atoms[i].Name
			if c, ok := convs[i]; ok {
				name = c.newName
			}
			if nl, ok := newDB.Resolve(name); ok {
				for _, j := range nl {
					p.StartUp[j] = true
				}
			}
		}
	}
	return p
}

func names(db *rcdb.DB, sel []bool) []string {
	var out []string
	for i, s := range sel {
		if s {
			out = append(out, db.Atoms[i].Name)
		}
	}
	return out
}

// Run performs the update and returns the exit code.
func Run(o *Options) (int, error) {
	l, err := live.Open(o.Live, live.Options{Exclusive: true, Block: o.Block})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	nlock, err := live.LockFile(filepath.Join(o.NewDB, "lock"), false, o.Block)
	if err != nil {
		return 0, rcdb.Errorf(111, "unable to take lock on %s: %v", o.NewDB, rcdb.Unwrap(err))
	}
	defer nlock.Close()
	newDB, err := rcdb.Load(o.NewDB)
	if err != nil {
		return 0, err
	}
	convs := map[int]conv{}
	if o.ConvFile != "" {
		b, err := os.ReadFile(o.ConvFile)
		if err != nil {
			return 0, rcdb.Errorf(111, "unable to read %s: %v", o.ConvFile, rcdb.Unwrap(err))
		}
		if convs, err = ParseConv(b, l.DB, o.ConvFile); err != nil {
			return 0, err
		}
	}
	oldDBDir, err := filepath.EvalSymlinks(filepath.Join(o.Live, "compiled"))
	if err != nil {
		return 0, rcdb.Errorf(111, "unable to resolve %s/compiled: %v", o.Live, rcdb.Unwrap(err))
	}
	plan := MakePlan(l, oldDBDir, newDB, o.NewDB, convs)
	stopList := names(l.DB, plan.Restart)
	startList := names(newDB, plan.StartUp)
	if o.DryRun {
		flag := "-d"
		if o.Force {
			flag = "-D"
		}
		dry := "rc-dryrun"
		if strings.HasPrefix(o.Prog, "s6-") {
			dry = "s6-rc-dryrun"
		}
		if o.Verbosity > 0 {
			fmt.Fprintf(o.Stdout, "%s: s6-rc -v %d -t %d -l %s %s -- change %s\n", dry, o.Verbosity, o.Timeout/time.Millisecond, o.Live, flag, strings.Join(stopList, " "))
			fmt.Fprintf(o.Stdout, "%s: s6-rc -v %d -t %d -l %s -u -- change %s\n", dry, o.Verbosity, o.Timeout/time.Millisecond, o.Live, strings.Join(startList, " "))
		}
		return 0, nil
	}
	var deadline time.Time
	if o.Timeout > 0 {
		deadline = time.Now().Add(o.Timeout)
	}
	// 1. stop what must restart, with the old database
	eng := &engine.Engine{Live: l, Act: &engine.Real{Live: l, Stdio: o.Stdio}, Messages: o.Messages, Force: o.Force, Deadline: deadline}
	stopSel := append([]bool(nil), plan.Restart...)
	engine.Closure(l.DB, stopSel, false)
	code, err := eng.Change(stopSel, false)
	if err == engine.ErrTimedOut {
		return 10, rcdb.Errorf(10, "timed out")
	}
	if err != nil {
		return 0, err
	}
	if code != 0 {
		return 9, nil
	}
	// services the stop phase could not stop stay up (essentials)
	for j := range plan.NewUp {
		plan.NewUp[j] = false
	}
	for i := range l.DB.Atoms {
		if l.Up(i) && plan.Map[i] >= 0 {
			plan.NewUp[plan.Map[i]] = true
		}
	}
	// 2. build the new live directory and switch
	newLive, moved, err := build(o, l, newDB, plan)
	if err != nil {
		return 0, err
	}
	if o.Verbosity >= 2 {
		o.Infof("successfully switched to new database")
	}
	// 3. supervise the new longruns, fix the pipes
	var fresh []string
	for j := 0; j < newDB.NLong; j++ {
		if !moved[j] {
			fresh = append(fresh, newDB.Atoms[j].Name)
		}
	}
	scandir, _ := os.Readlink(filepath.Join(o.Live, "scandir"))
	prefix, _ := os.ReadFile(filepath.Join(o.Live, "prefix"))
	if err := live.LinkServices(newLive, scandir, string(prefix), fresh, o.Timeout); err != nil {
		return 0, rcdb.Errorf(111, "unable to supervise new service directories: %v", err)
	}
	fixPipes(o, l.DB, newDB, plan, newLive)
	l.Close()
	// 4. bring up again everything that was up
	nl, err := live.Open(o.Live, live.Options{Exclusive: true, Block: true})
	if err != nil {
		return 0, err
	}
	defer nl.Close()
	eng = &engine.Engine{Live: nl, Act: &engine.Real{Live: nl, Stdio: o.Stdio}, Messages: o.Messages, Deadline: deadline}
	startSel := append([]bool(nil), plan.StartUp...)
	engine.Closure(newDB, startSel, true)
	code, err = eng.Change(startSel, true)
	if err == engine.ErrTimedOut {
		return 2, rcdb.Errorf(2, "timed out")
	}
	return code, err
}

// build creates LIVE:s6-rc-update:XXXXXX, moves the servicedirs of longruns
// that carry over, switches the live link and removes the old directory.
// It returns the new directory and which new longruns were moved.
func build(o *Options, l *live.Live, newDB *rcdb.DB, plan *Plan) (string, []bool, error) {
	oldReal, err := filepath.EvalSymlinks(o.Live)
	if err != nil {
		return "", nil, rcdb.Errorf(111, "unable to resolve %s: %v", o.Live, rcdb.Unwrap(err))
	}
	parent, base := filepath.Dir(o.Live), filepath.Base(o.Live)
	tmp, err := os.MkdirTemp(parent, base+":s6-rc-update:")
	if err != nil {
		return "", nil, rcdb.Errorf(111, "unable to create a live directory in %s: %v", parent, rcdb.Unwrap(err))
	}
	fail := func(err error) (string, []bool, error) {
		os.RemoveAll(tmp)
		return "", nil, rcdb.Errorf(111, "unable to build the new live directory %s: %v", tmp, err)
	}
	state := make([]byte, len(newDB.Atoms))
	for j, up := range plan.NewUp {
		if up {
			state[j] = live.StateUp
		}
	}
	scandir, _ := os.Readlink(filepath.Join(oldReal, "scandir"))
	prefix, _ := os.ReadFile(filepath.Join(oldReal, "prefix"))
	for _, step := range []func() error{
		func() error { return os.Chmod(tmp, 0o755) },
		func() error { return os.Symlink(o.NewDB, filepath.Join(tmp, "compiled")) },
		func() error { return os.Symlink(scandir, filepath.Join(tmp, "scandir")) },
		func() error { return os.WriteFile(filepath.Join(tmp, "prefix"), prefix, 0o644) },
		func() error { return os.WriteFile(filepath.Join(tmp, "state"), state, 0o644) },
		func() error { return os.WriteFile(filepath.Join(tmp, "lock"), nil, 0o644) },
		func() error { return os.Mkdir(filepath.Join(tmp, "servicedirs"), 0o755) },
	} {
		if err := step(); err != nil {
			return fail(err)
		}
	}
	// which old longrun each new longrun comes from
	from := make([]int, newDB.NLong)
	for j := range from {
		from[j] = -1
	}
	for i := 0; i < l.DB.NLong; i++ {
		if j := plan.Map[i]; j >= 0 && j < newDB.NLong {
			from[j] = i
		}
	}
	moved := make([]bool, newDB.NLong)
	type relink struct{ oldName, newName string }
	var relinks []relink
	for j := 0; j < newDB.NLong; j++ {
		name := newDB.Atoms[j].Name
		dst := filepath.Join(tmp, "servicedirs", name)
		src := filepath.Join(o.NewDB, "servicedirs", name)
		if i := from[j]; i >= 0 {
			oldDir := filepath.Join(oldReal, "servicedirs", l.DB.Atoms[i].Name)
			if err := os.Rename(oldDir, dst); err != nil {
				return fail(err)
			}
			if err := refresh(o, src, dst); err != nil {
				return fail(err)
			}
			if !plan.NewUp[j] {
				os.WriteFile(filepath.Join(dst, "down"), nil, 0o644)
			}
			moved[j] = true
			relinks = append(relinks, relink{l.DB.Atoms[i].Name, name})
			continue
		}
		if err := fsutil.CopyTree(src, dst, fsutil.CopyOptions{}); err != nil {
			return fail(err)
		}
	}
	// point of no return
	if err := live.SwapLink(filepath.Base(tmp), o.Live); err != nil {
		return fail(err)
	}
	for _, r := range relinks {
		link := filepath.Join(scandir, string(prefix)+r.newName)
		dir := filepath.Join(tmp, "servicedirs", r.newName)
		if r.oldName != r.newName {
			os.Remove(filepath.Join(scandir, string(prefix)+r.oldName))
		}
		live.SwapLink(dir, link)
	}
	// longruns that vanished: their supervisors exit, their links go
	for i := 0; i < l.DB.NLong; i++ {
		if plan.Map[i] < 0 || plan.Map[i] >= newDB.NLong {
			dir := filepath.Join(oldReal, "servicedirs", l.DB.Atoms[i].Name)
			svc.Write(dir, []byte("dx"))
			os.Remove(filepath.Join(scandir, string(prefix)+l.DB.Atoms[i].Name))
		}
	}
	os.RemoveAll(oldReal)
	return tmp, moved, nil
}

// refresh replaces the files of a running live servicedir with the new
// compiled ones, keeping supervise/, event/ and down.
func refresh(o *Options, src, dst string) error {
	ents, err := os.ReadDir(dst)
	if err != nil {
		return err
	}
	for _, e := range ents {
		switch e.Name() {
		case "supervise", "event", "down", "s":
			continue
		}
		if err := os.RemoveAll(filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	ents, err = os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := fsutil.CopyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), fsutil.CopyOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// fixPipes tells the fd holder about consumers that appeared or vanished.
func fixPipes(o *Options, old, nw *rcdb.DB, plan *Plan, newLive string) {
	consumers := func(db *rcdb.DB) map[string]bool {
		m := map[string]bool{}
		for _, a := range db.Atoms {
			if len(a.Producers) > 0 {
				m[a.Name] = true
			}
		}
		return m
	}
	oc, nc := consumers(old), consumers(nw)
	// consumers that were renamed keep their pipe
	renamed := map[string]string{} // old name → new name
	for i, a := range old.Atoms {
		if j := plan.Map[i]; j >= 0 && oc[a.Name] && nc[nw.Atoms[j].Name] && nw.Atoms[j].Name != a.Name {
			renamed[a.Name] = nw.Atoms[j].Name
		}
	}
	sock := filepath.Join(newLive, "servicedirs", rcdb.FdholderName, "s")
	if !live.Supervised(filepath.Dir(sock)) {
		return
	}
	var add, del []string
	targets := map[string]bool{}
	for from, to := range renamed {
		targets[to] = true
		if err := fdholder.Command(sock, "mv", from+" "+to); err != nil && o.Verbosity >= 1 {
			o.Warnf("unable to rename the pipe of %s to %s: %v", from, to, err)
		}
	}
	for n := range nc {
		if !oc[n] && !targets[n] {
			add = append(add, n)
		}
	}
	for n := range oc {
		if !nc[n] && renamed[n] == "" {
			del = append(del, n)
		}
	}
	sort.Strings(add)
	for _, n := range add {
		if err := fdholder.Command(sock, "add", n); err != nil && o.Verbosity >= 1 {
			o.Warnf("unable to create the pipe for %s: %v", n, err)
		}
	}
	for _, n := range del {
		fdholder.Command(sock, "del", n)
	}
}
