package execline

// FnmatchFlags are fnmatch(3)'s flags.
type FnmatchFlags struct {
	NoEscape bool // FNM_NOESCAPE: backslash is an ordinary character
	Period   bool // FNM_PERIOD: a leading '.' only matches a literal '.'
	Pathname bool // FNM_PATHNAME: '/' only matches a literal '/'
}

// Fnmatch reports whether s matches the shell pattern as fnmatch(3) does
// in the C locale. A bracket expression that is not closed is an ordinary
// '['.
func Fnmatch(pattern, s string, f FnmatchFlags) bool {
	return fnmatch(pattern, s, f, true)
}

// fnmatch matches from a position where a '.' is leading when atStart.
func fnmatch(p, s string, f FnmatchFlags, atStart bool) bool {
	// leading reports whether s[0] is a '.' that wildcards may not match.
	leading := func(s string, atStart bool) bool {
		return f.Period && atStart && s != "" && s[0] == '.'
	}
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if leading(s, atStart) {
				return false
			}
			for i := 0; i <= len(s); i++ {
				if fnmatch(p, s[i:], f, i == 0 && atStart || i > 0 && f.Pathname && s[i-1] == '/') {
					return true
				}
				if i < len(s) && f.Pathname && s[i] == '/' {
					return false
				}
			}
			return false
		case '?':
			if s == "" || leading(s, atStart) || (f.Pathname && s[0] == '/') {
				return false
			}
			p, s, atStart = p[1:], s[1:], false
		case '[':
			if s == "" {
				return false
			}
			ok, rest, valid := matchClass(p, s[0], f.NoEscape)
			if !valid {
				if s[0] != '[' {
					return false
				}
				p, s, atStart = p[1:], s[1:], false
				break
			}
			if !ok || leading(s, atStart) || (f.Pathname && s[0] == '/') {
				return false
			}
			p, s, atStart = rest, s[1:], false
		case '\\':
			if !f.NoEscape && len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
			atStart = f.Pathname && s[0] == '/'
			p, s = p[1:], s[1:]
		}
	}
	return s == ""
}
