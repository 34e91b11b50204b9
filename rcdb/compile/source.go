// Package compile turns s6-rc source directories into a compiled database
// (rcdb): it reads every definition file, runs all the checks of
// s6-rc-compile and writes the result atomically.
package compile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"s6box/core/execline"
	"s6box/core/rawio"
	"s6box/rcdb"
)

// Options of a compilation.
type Options struct {
	Verbosity int
	Self      string // executable the internal services run
	// Warn gets the warnings (-v1), Info the progress messages (-v2),
	// without the "PROG: warning: " prefix; nil discards.
	Warn  func(format string, a ...any)
	Info  func(format string, a ...any)
	Block bool // runner waits for the db lock
	// NoSync skips the flush of the filesystem before the database gets
	// its name: for a database rebuilt at every start (a container's
	// stage 2 compiles into /run), where durability buys nothing and a
	// syncfs(2) of a busy filesystem costs milliseconds or more.
	NoSync bool
}

func (o *Options) warn(format string, a ...any) {
	if o.Verbosity >= 1 && o.Warn != nil {
		o.Warn(format, a...)
	}
}

func (o *Options) info(format string, a ...any) {
	if o.Verbosity >= 2 && o.Info != nil {
		o.Info(format, a...)
	}
}

// svc is one service definition as read from the source.
type svc struct {
	name, typ, src, dir string
	flags               uint32
	timeout             [2]uint32 // down, up
	deps                []string
	contents            []string
	producerFor         string
	consumerFor         []string
	pipelineName        string
	argv                [3][]string
	script              [3]string            // absolute source path of a "#!" script
	index               int                  // atom index or bundle index
	ents                map[string]uint8     // dir's entries and d_types; nil: probe
	nums                [len(numFiles)]int64 // numFiles values, -1 if absent
}

// numFiles are a longrun's numeric files, copied normalised to the
// service directory.
var numFiles = [...]string{"notification-fd", "lock-fd", "timeout-kill", "timeout-finish", "max-death-tally"}

// has tells whether the definition directory has an entry name (like a
// successful lstat), from the listing read once per directory.
func (s *svc) has(name string) bool {
	if s.ents == nil {
		return exists(filepath.Join(s.dir, name))
	}
	_, ok := s.ents[name]
	return ok
}

// isDir tells whether entry name is a directory (following symlinks, like
// stat); the d_type answers without a system call for plain entries.
func (s *svc) isDir(name string) (bool, error) {
	return s.isType(name, unix.DT_DIR, os.FileMode.IsDir)
}

// isRegular is isDir for regular files.
func (s *svc) isRegular(name string) (bool, error) {
	return s.isType(name, unix.DT_REG, os.FileMode.IsRegular)
}

func (s *svc) isType(name string, dt uint8, is func(os.FileMode) bool) (bool, error) {
	if s.ents != nil {
		t, ok := s.ents[name]
		if !ok {
			return false, os.ErrNotExist
		}
		if t != unix.DT_LNK && t != unix.DT_UNKNOWN {
			return t == dt, nil
		}
	}
	st, err := os.Stat(filepath.Join(s.dir, name))
	if err != nil {
		return false, err
	}
	return is(st.Mode()), nil
}

// read reads an optional file of the definition directory; a missing one
// gives os.ErrNotExist without a system call.
func (s *svc) read(name string) ([]byte, error) {
	if s.ents != nil && !s.has(name) {
		return nil, pathErr("open", filepath.Join(s.dir, name), unix.ENOENT)
	}
	return rawio.ReadFile(filepath.Join(s.dir, name))
}

const reservedA, reservedB = "s6rc-", "s6-rc-"

func reserved(name string) bool {
	return strings.HasPrefix(name, reservedA) || strings.HasPrefix(name, reservedB)
}

func srcErr(code int, format string, a ...any) error { return rcdb.Errorf(code, format, a...) }

// readList reads a list file or a list directory (FILE.d wins).
func readList(o *Options, s *svc, file string) ([]string, bool, error) {
	src, dir := s.src, s.dir
	if d, err := s.isDir(file + ".d"); err == nil && d {
		dpath := filepath.Join(dir, file+".d")
		ents, err := readDir(dpath)
		if err != nil {
			return nil, false, srcErr(111, "unable to read directory %s: %v", dpath, rcdb.Unwrap(err))
		}
		var names []string
		for _, e := range ents {
			if !strings.HasPrefix(e.name, ".") {
				names = append(names, e.name)
			}
		}
		return checkNames(src, names)
	}
	fpath := filepath.Join(dir, file)
	b, err := s.read(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, srcErr(111, "unable to read %s: %v", fpath, rcdb.Unwrap(err))
	}
	names := ParseList(b)
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if seen[n] {
			if o.Verbosity >= 2 {
				o.warn("in %s: name listed more than once: %s", fpath, n)
			}
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	l, _, err := checkNames(src, out)
	return l, true, err
}

// ParseList parses the content of a list file: one name per line, leading
// blanks stripped, trailing blanks kept, empty lines and '#' comments
// ignored.
func ParseList(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		out = append(out, line)
	}
	return out
}

func checkNames(src string, names []string) ([]string, bool, error) {
	for _, n := range names {
		if reserved(n) {
			return nil, true, srcErr(1, "in %s: identifier %s starts with reserved prefix", src, n)
		}
	}
	return names, true, nil
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// readTimeout reads a decimal uint32 file (trailing newlines allowed).
func readTimeout(d *svc, file string) (uint32, error) {
	path := filepath.Join(d.dir, file)
	b, err := d.read(file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, srcErr(111, "unable to read %s: %v", path, rcdb.Unwrap(err))
	}
	s := strings.TrimRight(string(b), "\n")
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || s == "" || s[0] == '+' {
		return 0, srcErr(1, "invalid %s", path)
	}
	return uint32(v), nil
}

// readScript lexes a oneshot script, or records it as a "#!" script.
func readScript(s *svc, slot int, file string, required bool) error {
	p := filepath.Join(s.dir, file)
	b, err := s.read(file)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return srcErr(111, "unable to open %s: %v", p, rcdb.Unwrap(err))
	}
	if bytes.HasPrefix(b, []byte("#!")) {
		s.script[slot] = p
		return nil
	}
	argv, err := execline.Parse(b)
	if errors.Is(err, execline.ErrSyntax) {
		return srcErr(1, "syntax error in %s", p)
	}
	if err != nil {
		return srcErr(1, "syntax error in %s: %v", p, err)
	}
	s.argv[slot] = argv
	return nil
}

// readDef reads one service definition directory.
func readDef(o *Options, src, name string) (*svc, error) {
	dir := filepath.Join(src, name)
	s := &svc{name: name, src: src, dir: dir}
	for i := range s.nums {
		s.nums[i] = -1
	}
	// one listing instead of a probe per optional file; without read
	// permission on the directory, fall back to probing
	if ents, err := readDir(dir); err == nil {
		s.ents = make(map[string]uint8, len(ents))
		for _, e := range ents {
			s.ents[e.name] = e.typ
		}
	}
	tp := filepath.Join(dir, "type")
	fd, err := rawio.Open(tp, unix.O_RDONLY, 0)
	if err != nil {
		return nil, srcErr(111, "unable to read %s: %v", tp, err)
	}
	var buf [8]byte
	n := 0
	for n < len(buf) {
		k, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || k == 0 {
			break
		}
		n += k
	}
	unix.Close(fd)
	t := strings.TrimSuffix(string(buf[:n]), "\n")
	switch t {
	case rcdb.Oneshot, rcdb.Longrun, rcdb.Bundle:
		s.typ = t
	default:
		return nil, srcErr(1, "invalid %s: must be oneshot, longrun, or bundle", tp)
	}
	if s.has("flag-essential") {
		s.flags |= rcdb.FlagEssential
	}
	if s.has("flag-recommended") {
		s.flags |= rcdb.FlagRecommended
	}
	if s.typ == rcdb.Bundle {
		l, found, err := readList(o, s, "contents")
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, srcErr(111, "unable to open %s: No such file or directory", filepath.Join(dir, "contents"))
		}
		s.contents = l
		return s, nil
	}
	if s.deps, _, err = readList(o, s, "dependencies"); err != nil {
		return nil, err
	}
	for i, f := range []string{"timeout-down", "timeout-up"} {
		if s.timeout[i], err = readTimeout(s, f); err != nil {
			return nil, err
		}
	}
	if s.typ == rcdb.Oneshot {
		for _, x := range []struct {
			slot int
			file string
			req  bool
		}{{rcdb.SlotUp, "up", true}, {rcdb.SlotDown, "down", false}, {rcdb.SlotReload, "reload", false}} {
			if err := readScript(s, x.slot, x.file, x.req); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	// longrun
	rp := filepath.Join(dir, "run")
	reg, err := s.isRegular("run")
	if err != nil {
		return nil, srcErr(1, "unable to find a run script in %s", rp)
	}
	if !reg {
		return nil, srcErr(1, "%s is not a regular file", rp)
	}
	l, found, err := readList(o, s, "producer-for")
	if err != nil {
		return nil, err
	}
	if found {
		if len(l) != 1 {
			return nil, srcErr(1, "%s should only contain one service name", filepath.Join(dir, "producer-for"))
		}
		s.producerFor = l[0]
	}
	if s.consumerFor, _, err = readList(o, s, "consumer-for"); err != nil {
		return nil, err
	}
	l, found, err = readList(o, s, "pipeline-name")
	if err != nil {
		return nil, err
	}
	if found && len(l) > 0 {
		if len(s.consumerFor) > 0 && s.producerFor == "" {
			s.pipelineName = l[0]
		} else {
			o.warn("%s contains a pipeline-name file despite not being a last consumer; this file will be ignored", dir)
		}
	}
	var nfd, lfd int64 = -1, -1
	for i, f := range numFiles {
		p := filepath.Join(dir, f)
		b, err := s.read(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, srcErr(111, "unable to read %s: %v", p, rcdb.Unwrap(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		v, err := strconv.ParseUint(line, 10, 32)
		if err != nil {
			return nil, srcErr(111, "unable to read %s: invalid argument", p)
		}
		s.nums[i] = int64(v)
		switch f {
		case "notification-fd":
			nfd = int64(v)
		case "lock-fd":
			lfd = int64(v)
		}
		if (f == "notification-fd" || f == "lock-fd") && v < 3 {
			o.warn("longrun %s has a %s of %d", name, f, v)
		}
	}
	if nfd >= 3 && nfd == lfd {
		return nil, srcErr(1, "longrun %s has the same value for notification-fd and lock-fd", name)
	}
	for _, d := range []string{"data", "env", "template"} {
		if isDir, err := s.isDir(d); err == nil && !isDir {
			return nil, srcErr(1, "%s is not a directory", filepath.Join(dir, d))
		}
	}
	return s, nil
}

// model is the whole set of definitions during compilation.
type model struct {
	o       *Options
	byName  map[string]*svc
	longs   []*svc
	shots   []*svc
	bundles []*svc
}

func (m *model) add(s *svc) error {
	if old, ok := m.byName[s.name]; ok {
		return srcErr(1, "duplicate service definition: %s defined in %s is already defined and has type %s", s.name, s.src, old.typ)
	}
	m.byName[s.name] = s
	switch s.typ {
	case rcdb.Longrun:
		s.index = len(m.longs)
		m.longs = append(m.longs, s)
	case rcdb.Oneshot:
		s.index = len(m.shots)
		m.shots = append(m.shots, s)
	default:
		s.index = len(m.bundles)
		m.bundles = append(m.bundles, s)
	}
	return nil
}

// readSources reads every source directory in order.
func readSources(o *Options, sources []string) (*model, error) {
	m := &model{o: o, byName: map[string]*svc{}}
	m.add(&svc{name: rcdb.RunnerName, typ: rcdb.Longrun, src: "s6-rc-compile internals", flags: rcdb.FlagEssential})
	m.add(&svc{name: rcdb.FdholderName, typ: rcdb.Longrun, src: "s6-rc-compile internals", flags: rcdb.FlagEssential})
	for _, src := range sources {
		o.info("adding sources from %s", src)
		ents, err := os.ReadDir(src)
		if err != nil {
			return nil, srcErr(111, "unable to read directory %s: %v", src, rcdb.Unwrap(err))
		}
		names := make([]string, 0, len(ents))
		types := make(map[string]os.FileMode, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
			types[e.Name()] = e.Type()
		}
		sort.Strings(names)
		// names are checked in order; the definitions before the first bad
		// name are read in parallel, each with its warnings held back, then
		// added in order, so messages and errors come out as from one
		// sequential pass
		var nameErr error
		var todo []string
		for _, name := range names {
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.Contains(name, "\n") {
				nameErr = srcErr(1, "subdirectory of %s contains a newline character", src)
				break
			}
			if reserved(name) {
				nameErr = srcErr(1, "in %s: identifier %s starts with reserved prefix", src, name)
				break
			}
			todo = append(todo, name)
		}
		type result struct {
			s        *svc
			err      error
			warnings []string // kept to be reported in source order
		}
		res := make([]result, len(todo))
		forEach(len(todo), func(i int) error {
			r := &res[i]
			isDir, err := isDirEntry(src, todo[i], types[todo[i]])
			if err != nil || !isDir {
				r.err = err
				return err
			}
			oi := *o
			oi.Warn = func(format string, a ...any) { r.warnings = append(r.warnings, fmt.Sprintf(format, a...)) }
			r.s, r.err = readDef(&oi, src, todo[i])
			return r.err
		})
		count := 0
		for i := range res {
			r := &res[i]
			for _, w := range r.warnings {
				o.Warn("%s", w)
			}
			if r.err != nil {
				return nil, r.err
			}
			if r.s == nil {
				continue
			}
			if err := m.add(r.s); err != nil {
				return nil, err
			}
			count++
		}
		if nameErr != nil {
			return nil, nameErr
		}
		if count == 0 {
			o.warn("source %s is empty", src)
		}
	}
	return m, nil
}

// isDirEntry tells whether src/name is a directory (following symlinks):
// the entry's type answers for anything but a symlink or an unknown type. A
// symlink that cannot be followed (dangling, a loop) is an error naming it,
// as s6-rc-compile's stat failure is.
func isDirEntry(src, name string, t os.FileMode) (bool, error) {
	if t&(os.ModeSymlink|os.ModeIrregular) == 0 {
		return t.IsDir(), nil
	}
	st, err := os.Stat(filepath.Join(src, name))
	if err != nil {
		return false, srcErr(111, "unable to stat %s: %v", filepath.Join(src, name), rcdb.Unwrap(err))
	}
	return st.IsDir(), nil
}
