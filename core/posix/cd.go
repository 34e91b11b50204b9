package posix

import (
	"errors"
	"path"
	"strings"
)

// ErrNoDir is returned when cd has no directory to go to: no operand and
// HOME unset or empty, or "-" and OLDPWD unset or empty.
var ErrNoDir = errors.New("no directory: HOME or OLDPWD is unset or empty")

// CDEnv is what cd reads from its environment and file system.
type CDEnv struct {
	Home, OldPwd, CDPath string
	Pwd                  string // PWD when it names the working directory, else ""
	IsDir                func(string) bool
}

// CDTarget is where cd goes.
type CDTarget struct {
	// Path is what to chdir to; with a logical cd it is also the new PWD.
	Path string
	// Print: the new directory is written to standard output (the operand
	// was "-", or was found under a non-empty CDPATH entry).
	Print bool
}

// ResolveCD applies POSIX cd's steps to the operand dir (hasDir false: no
// operand) up to the chdir: HOME when there is none, OLDPWD for "-", the
// CDPATH search for a relative operand not starting with "." or "..",
// and, when logical, the operand made absolute from pwd (the PWD variable,
// or the working directory when PWD is unset or relative) with "." and
// ".." removed lexically, before any symbolic link is followed.
func ResolveCD(dir string, hasDir, logical bool, cwd string, env CDEnv) (CDTarget, error) {
	var t CDTarget
	switch {
	case !hasDir:
		dir = env.Home
	case dir == "-":
		dir, t.Print = env.OldPwd, true
	}
	if dir == "" {
		return t, ErrNoDir
	}
	t.Path = dir
	if !strings.HasPrefix(dir, "/") && !dotted(dir) && env.CDPath != "" {
		for _, entry := range strings.Split(env.CDPath, ":") {
			named := entry != "" // an empty entry is the working directory
			if !named {
				entry = "."
			}
			cand := strings.TrimSuffix(entry, "/") + "/" + dir
			if env.IsDir != nil && env.IsDir(cand) {
				t.Path, t.Print = cand, t.Print || named
				break
			}
		}
	}
	if logical {
		base := env.Pwd
		if !strings.HasPrefix(base, "/") {
			base = cwd
		}
		p := t.Path
		if !strings.HasPrefix(p, "/") {
			p = base + "/" + p
		}
		t.Path = path.Clean(p)
	}
	return t, nil
}

// dotted: the operand starts with "." or ".." as a whole component.
func dotted(dir string) bool {
	first, _, _ := strings.Cut(dir, "/")
	return first == "." || first == ".."
}
