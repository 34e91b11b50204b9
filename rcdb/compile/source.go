// Package compile turns s6-rc source directories into a compiled database
// (rcdb): it reads every definition file, runs all the checks of
// s6-rc-compile and writes the result atomically.
package compile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"s6box/rcdb"
	"s6box/rcdb/execlex"
)

// Options of a compilation.
type Options struct {
	Verbosity int
	Self      string    // executable the internal services run
	Warn      io.Writer // gets "PROG: warning: …" lines
	Info      io.Writer // gets "PROG: info: …" lines (-v2)
	Prog      string
	Block     bool // runner waits for the db lock
}

func (o *Options) warn(format string, a ...any) {
	if o.Verbosity >= 1 && o.Warn != nil {
		fmt.Fprintf(o.Warn, "%s: warning: %s\n", o.Prog, fmt.Sprintf(format, a...))
	}
}

func (o *Options) info(format string, a ...any) {
	if o.Verbosity >= 2 && o.Info != nil {
		fmt.Fprintf(o.Info, "%s: info: %s\n", o.Prog, fmt.Sprintf(format, a...))
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
	script              [3]string // absolute source path of a "#!" script
	index               int       // atom index or bundle index
}

const reservedA, reservedB = "s6rc-", "s6-rc-"

func reserved(name string) bool {
	return strings.HasPrefix(name, reservedA) || strings.HasPrefix(name, reservedB)
}

func srcErr(code int, format string, a ...any) error { return rcdb.Errorf(code, format, a...) }

// readList reads a list file or a list directory (FILE.d wins).
func readList(o *Options, src, dir, file string) ([]string, bool, error) {
	dpath := filepath.Join(dir, file+".d")
	if st, err := os.Stat(dpath); err == nil && st.IsDir() {
		ents, err := os.ReadDir(dpath)
		if err != nil {
			return nil, false, srcErr(111, "unable to read directory %s: %v", dpath, rcdb.Unwrap(err))
		}
		var names []string
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		return checkNames(src, names)
	}
	fpath := filepath.Join(dir, file)
	b, err := os.ReadFile(fpath)
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

// readUint reads a decimal uint32 file (trailing newlines allowed).
func readTimeout(path string) (uint32, error) {
	b, err := os.ReadFile(path)
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
	b, err := os.ReadFile(p)
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
	argv, err := execlex.Split(b)
	if err != nil {
		var le *execlex.Error
		if errors.As(err, &le) && strings.HasPrefix(le.Msg, "unmatched") {
			return srcErr(1, "syntax error in %s: %s", p, le.Msg)
		}
		return srcErr(1, "syntax error in %s: %v", p, err)
	}
	s.argv[slot] = argv
	return nil
}

// readDef reads one service definition directory.
func readDef(o *Options, src, name string) (*svc, error) {
	dir := filepath.Join(src, name)
	s := &svc{name: name, src: src, dir: dir}
	tp := filepath.Join(dir, "type")
	f, err := os.Open(tp)
	if err != nil {
		return nil, srcErr(111, "unable to read %s: %v", tp, rcdb.Unwrap(err))
	}
	buf := make([]byte, 8)
	n, _ := io.ReadFull(f, buf)
	f.Close()
	t := strings.TrimSuffix(string(buf[:n]), "\n")
	switch t {
	case rcdb.Oneshot, rcdb.Longrun, rcdb.Bundle:
		s.typ = t
	default:
		return nil, srcErr(1, "invalid %s: must be oneshot, longrun, or bundle", tp)
	}
	if exists(filepath.Join(dir, "flag-essential")) {
		s.flags |= rcdb.FlagEssential
	}
	if exists(filepath.Join(dir, "flag-recommended")) {
		s.flags |= rcdb.FlagRecommended
	}
	if s.typ == rcdb.Bundle {
		l, found, err := readList(o, src, dir, "contents")
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, srcErr(111, "unable to open %s: no such file or directory", filepath.Join(dir, "contents"))
		}
		s.contents = l
		return s, nil
	}
	if s.deps, _, err = readList(o, src, dir, "dependencies"); err != nil {
		return nil, err
	}
	for i, f := range []string{"timeout-down", "timeout-up"} {
		if s.timeout[i], err = readTimeout(filepath.Join(dir, f)); err != nil {
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
	st, err := os.Stat(rp)
	if err != nil {
		return nil, srcErr(1, "unable to find a run script in %s", rp)
	}
	if !st.Mode().IsRegular() {
		return nil, srcErr(1, "%s is not a regular file", rp)
	}
	l, found, err := readList(o, src, dir, "producer-for")
	if err != nil {
		return nil, err
	}
	if found {
		if len(l) != 1 {
			return nil, srcErr(1, "%s should only contain one service name", filepath.Join(dir, "producer-for"))
		}
		s.producerFor = l[0]
	}
	if s.consumerFor, _, err = readList(o, src, dir, "consumer-for"); err != nil {
		return nil, err
	}
	l, found, err = readList(o, src, dir, "pipeline-name")
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
	for _, f := range []string{"notification-fd", "lock-fd", "timeout-kill", "timeout-finish", "max-death-tally"} {
		p := filepath.Join(dir, f)
		b, err := os.ReadFile(p)
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
		p := filepath.Join(dir, d)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return nil, srcErr(1, "%s is not a directory", p)
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
		for _, e := range ents {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		count := 0
		for _, name := range names {
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.Contains(name, "\n") {
				return nil, srcErr(1, "subdirectory of %s contains a newline character", src)
			}
			if reserved(name) {
				return nil, srcErr(1, "in %s: identifier %s starts with reserved prefix", src, name)
			}
			st, err := os.Stat(filepath.Join(src, name))
			if err != nil || !st.IsDir() {
				continue
			}
			s, err := readDef(o, src, name)
			if err != nil {
				return nil, err
			}
			if err := m.add(s); err != nil {
				return nil, err
			}
			count++
		}
		if count == 0 {
			o.warn("source %s is empty", src)
		}
	}
	return m, nil
}
