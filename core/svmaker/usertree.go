package svmaker

import (
	"strings"
)

// Usertree is s6-usertree-maker's configuration.
type Usertree struct {
	User    string   // the account whose tree it is
	ScanDir string   // its scan directory: absolute or "${HOME}/…"
	Path    string   // PATH for the tree
	EnvDir  string   // optional envdir read before the variables below
	Vars    []string // variables imported from EnvDir into the tree
	Dir     string
	Logger  Logger // mandatory: the tree's catch-all logger
	RC      *RC    // s6-rc definitions (service and logger) instead
	Script  Script
}

// DefaultPath is the tree's PATH unless told otherwise (skalibs' default).
const DefaultPath = "/usr/bin:/bin"

// elQuote quotes a word for execlineb.
func elQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// usertreeScript is the execline script that becomes the user: clean
// environment, the user's credentials, HOME, the chosen variables, PATH,
// then a scanner on the user's scan directory.
func (u Usertree) usertreeScript() string {
	var b strings.Builder
	bin := elQuote(u.Script.Bin)
	// line writes one command, through the binary's path
	line := func(s ...string) { b.WriteString(bin + " " + strings.Join(s, " ") + "\n") }
	// raw writes a line of a block as it is
	raw := func(s ...string) { b.WriteString(strings.Join(s, " ") + "\n") }
	q := elQuote(u.User)
	line("fdmove", "-c", "2", "1")
	line("emptyenv", "-p")
	line("export", "USER", q)
	line("envuidgid", "-i", "--", q)
	line("applyuidgid", "-U", "--")
	line("backtick", "-in", "HOME", "{", bin, "homeof", q, "}")
	if u.EnvDir != "" {
		line("envdir", "-i", "--", elQuote(u.EnvDir))
		if len(u.Vars) > 0 {
			line("multisubstitute")
			raw("{")
			for _, v := range u.Vars {
				raw("  importas", "-D", `""`, "--", elQuote(v), elQuote(v))
			}
			raw("}")
		}
	}
	line("multisubstitute")
	raw("{")
	for _, v := range []string{"USER", "HOME", "UID", "GID", "GIDLIST"} {
		raw("  importas", "-i", v, v)
	}
	raw("}")
	if u.EnvDir != "" {
		for _, v := range u.Vars {
			line("export", elQuote(v), "${"+elQuote(v)+"}")
		}
	}
	line("export", "PATH", elQuote(u.Path))
	line("svscan", "-d3", "--", elQuote(u.ScanDir))
	return b.String()
}

// MakeUsertree writes the service running a user's supervision tree.
func MakeUsertree(u Usertree) error {
	if u.Logger.Dir == "" || u.Logger.Dir[0] != '/' {
		return &ErrUsage{"logdir must be absolute"}
	}
	if u.ScanDir == "" {
		u.ScanDir = "${HOME}/service"
	}
	if u.ScanDir[0] != '/' && !strings.HasPrefix(u.ScanDir, "${HOME}/") {
		return &ErrUsage{"userscandir must be absolute or start with ${HOME}/"}
	}
	if u.Path == "" {
		u.Path = DefaultPath
	}
	if err := u.Logger.Validate(); err != nil {
		return err
	}
	for _, v := range u.Vars {
		if strings.Contains(v, "=") || v == "" {
			return &ErrUsage{"invalid variable name: " + v}
		}
	}
	if u.RC != nil && u.RC.Logger == "" {
		return &ErrUsage{"argument to -r must be: service/logger or service/logger/pipeline"}
	}
	run := u.Script.cmd("execlineb", "-Pc", u.usertreeScript())
	lg := u.Logger
	return writeTree(u.Dir, u.RC, u.Script, run, &lg, nil)
}
