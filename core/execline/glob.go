package execline

import (
	"sort"
	"strings"
	"syscall"

	"s6box/core/errtext"
)

// GlobOptions are elglob's options, in glob(3) terms.
type GlobOptions struct {
	Sort     bool // -s: sort the results (otherwise directory order)
	NoCheck  bool // without -0: no match gives the pattern itself
	Mark     bool // -m: directories get a trailing slash
	NoEscape bool // -e: backslash is an ordinary character
	StopErr  bool // -w: stop at the first directory that cannot be read
	// OnError is told about a directory that cannot be read (elglob -v).
	OnError func(dir string, err error)
}

// GlobError is a directory that could not be read with StopErr set.
type GlobError struct {
	Dir string
	Err error
}

func (e *GlobError) Error() string {
	return "while globbing, error reading " + e.Dir + ": " + errtext.Libc(e.Err)
}
func (e *GlobError) Unwrap() error { return e.Err }

// Glob expands pattern like glob(3) in the C locale: *, ? and [...] (with
// ! or ^ for negation, ranges, and ] first taken literally) match within a
// path component, never a leading dot, and backslash quotes the next
// character unless NoEscape.
func Glob(pattern string, o GlobOptions) ([]string, error) {
	comps := strings.Split(pattern, "/")
	prefixes := []string{""}
	if strings.HasPrefix(pattern, "/") {
		prefixes = []string{"/"}
		comps = comps[1:]
	}
	for i, comp := range comps {
		last := i == len(comps)-1
		if comp == "" {
			if !last {
				for k := range prefixes {
					if !strings.HasSuffix(prefixes[k], "/") {
						prefixes[k] += "/"
					}
				}
			}
			continue
		}
		var next []string
		if !hasMagic(comp, o.NoEscape) {
			lit := unescape(comp, o.NoEscape)
			for _, p := range prefixes {
				next = append(next, join(p, lit))
			}
		} else {
			for _, p := range prefixes {
				dir := p
				if dir == "" {
					dir = "."
				}
				names, err := readNames(dir)
				if err != nil {
					if o.OnError != nil {
						o.OnError(dir, err)
					}
					if o.StopErr {
						return nil, &GlobError{Dir: dir, Err: err}
					}
					continue
				}
				if comp[0] == '.' {
					names = append([]string{".", ".."}, names...)
				}
				for _, n := range names {
					if Match(comp, n, o.NoEscape) {
						next = append(next, join(p, n))
					}
				}
			}
		}
		if !last {
			for k := range next {
				next[k] += "/"
			}
		}
		prefixes = next
	}
	var out []string
	for _, p := range prefixes {
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) != nil {
			continue
		}
		if o.Mark && !strings.HasSuffix(p, "/") {
			var fs syscall.Stat_t
			if syscall.Stat(p, &fs) == nil && fs.Mode&syscall.S_IFMT == syscall.S_IFDIR {
				p += "/"
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		if o.NoCheck {
			return []string{pattern}, nil
		}
		return nil, nil
	}
	if o.Sort {
		sort.Strings(out)
	}
	return out, nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + name
}

func hasMagic(s string, noEscape bool) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if !noEscape {
				i++
			}
		case '*', '?', '[':
			return true
		}
	}
	return false
}

func unescape(s string, noEscape bool) string {
	if noEscape || !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// readNames lists a directory in its own order, with plain system calls.
func readNames(dir string) ([]string, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
}

// Match reports whether name matches the glob pattern (one path
// component, fnmatch with FNM_PERIOD).
func Match(pattern, name string, noEscape bool) bool {
	if len(name) > 0 && name[0] == '.' && (len(pattern) == 0 || pattern[0] != '.') {
		if pattern == "" || pattern[0] == '*' || pattern[0] == '?' || pattern[0] == '[' {
			return false
		}
	}
	return match(pattern, name, noEscape)
}

func match(p, s string, noEscape bool) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if match(p, s[i:], noEscape) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
		case '[':
			if s == "" {
				return false
			}
			ok, rest, valid := matchClass(p, s[0], noEscape)
			if !valid {
				if s[0] != '[' {
					return false
				}
				p, s = p[1:], s[1:]
				continue
			}
			if !ok {
				return false
			}
			p, s = rest, s[1:]
		case '\\':
			if !noEscape && len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}

// matchClass matches c against the bracket expression at the start of p;
// valid is false when the bracket is not closed (then [ is literal).
func matchClass(p string, c byte, noEscape bool) (ok bool, rest string, valid bool) {
	i := 1
	neg := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return ok != neg, p[i+1:], true
		}
		first = false
		lo := p[i]
		if lo == '\\' && !noEscape && i+1 < len(p) {
			i++
			lo = p[i]
		}
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			if hi == '\\' && !noEscape && i+2 < len(p) {
				hi = p[i+2]
				i++
			}
			i += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
	}
	return false, "", false
}
