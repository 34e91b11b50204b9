package applets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/applets/getopt"
	"s6box/core/envdir"
	"s6box/core/execline"
	"s6box/core/execpath"
	"s6box/core/rawio"
	"s6box/core/userdb"
	"s6box/linuxinit"
	"s6box/logger/loghost"
	"s6box/logger/script"
)

// The hosted-logger planner (README, "Hosted loggers"): it reads a log
// service's run script and says whether it only runs our s6-log with
// literal arguments, behind our chain-loaders, and if so what that s6-log
// would have been. Anything it does not fully understand runs as before.

// runMax bounds how much of a run script is read; a longer one is not one
// of the plain forms.
const runMax = 8192

// runForm is how a run script is interpreted.
type runForm int

const (
	formNone runForm = iota
	formSh
	formExecline
	formRunscript
)

// logPlanner recognises run scripts for a scanner whose binary is self.
type logPlanner struct {
	self string      // this executable, symlinks resolved
	perm os.FileMode // 0666 &^ the scanner's umask
}

func newLogPlanner(self string, umask int) *logPlanner {
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	return &logPlanner{self: self, perm: os.FileMode(0o666 &^ umask)}
}

// errNotHosted says why a script that looked like a plain logger is run as
// a process after all.
type errNotHosted struct{ why string }

func (e *errNotHosted) Error() string { return e.why }

func notHosted(format string, a ...any) error { return &errNotHosted{fmt.Sprintf(format, a...)} }

// Plan implements loghost.Planner.
func (p *logPlanner) Plan(dir, abs string, env []string) (*loghost.Plan, error) {
	run := dir + "/run"
	if syscall.Access(run, unix.X_OK) != nil {
		return nil, nil
	}
	b, err := rawio.ReadRegular(run, 0, runMax+1)
	if err != nil || len(b) > runMax {
		return nil, nil
	}
	form, words, stderrOut := p.parseRun(b)
	if form == formNone {
		return nil, nil
	}
	return p.interpret(form, words, stderrOut, abs, env)
}

// parseRun splits a run script of one of the plain forms into the words of
// its one command; formNone when it is something else.
func (p *logPlanner) parseRun(b []byte) (runForm, []string, bool) {
	text := string(b)
	first, body, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, "#!") {
		return formNone, nil, false
	}
	interp, arg, _ := strings.Cut(strings.TrimSpace(first[2:]), " ")
	arg = strings.TrimSpace(arg)
	if interp == "/bin/sh" && (arg == "" || arg == "-e") {
		words, stderrOut, ok := shCommand(body)
		if !ok {
			return formNone, nil, false
		}
		return formSh, words, stderrOut
	}
	if !p.isSelf(interp) {
		return formNone, nil, false
	}
	name := filepath.Base(interp)
	if IsMulticallName(name) {
		name, arg = arg, ""
	}
	a := Find(Table(), name)
	switch {
	case a == nil:
	case a.Name == "execlineb" && arg == "-P":
		words, err := execline.Parse([]byte(body))
		if err != nil {
			return formNone, nil, false
		}
		for _, w := range words {
			if w == "" || w[0] == ' ' { // a block: not a plain command
				return formNone, nil, false
			}
		}
		return formExecline, words, false
	case a.Name == "runscript" && arg == "":
		words, err := linuxinit.ParseRunscript(text)
		if err != nil {
			return formNone, nil, false
		}
		for _, w := range words {
			if w == "$@" {
				return formNone, nil, false
			}
		}
		return formRunscript, words, false
	}
	return formNone, nil, false
}

func (p *logPlanner) isSelf(path string) bool {
	r, err := filepath.EvalSymlinks(path)
	return err == nil && r == p.self
}

// shCommand reads the body of a #!/bin/sh script that is, apart from blank
// and comment lines, an optional `exec 2>&1` and then one `exec WORD...`
// whose words are literal: plain characters, '…' and "…" without $, ` or \.
func shCommand(body string) ([]string, bool, bool) {
	var words []string
	stderrOut := false
	for _, line := range strings.Split(body, "\n") {
		line = strings.Trim(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if words != nil {
			return nil, false, false // something after the exec
		}
		if f := strings.Fields(line); len(f) == 2 && f[0] == "exec" && f[1] == "2>&1" && !stderrOut {
			stderrOut = true
			continue
		}
		w, ok := shWords(line)
		if !ok || len(w) < 2 || w[0] != "exec" {
			return nil, false, false
		}
		words = w[1:]
	}
	return words, stderrOut, words != nil
}

// shWords splits one line into literal words; false when the shell would
// expand, redirect or run anything on it.
func shWords(line string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '#' && !in:
			return words, true // a comment to the end of the line
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			in = true
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 || strings.ContainsAny(line[i+1:i+1+j], "$`\\") {
				return nil, false
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			in = true
		case isShLiteral(c):
			cur.WriteByte(c)
			in = true
		default:
			return nil, false
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, true
}

func isShLiteral(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-_./:@%+=,^!", c) >= 0
}

// interpret follows the command through our chain-loaders to our s6-log.
func (p *logPlanner) interpret(form runForm, words []string, stderrOut bool, abs string, env []string) (*loghost.Plan, error) {
	plan := &loghost.Plan{StderrFd: 2}
	if stderrOut {
		plan.StderrFd = 1
	}
	env = append([]string(nil), env...)
	envChanged := false
	for pos := 0; len(words) > 0; pos++ {
		// A chain-loader of ours finds our applets when PATH does not
		// (Ctx.LookProgram); runscript runs an applet name as ourselves.
		name, ok := p.resolve(words[0], abs, env, pos > 0 || form == formExecline, form == formRunscript && pos == 0)
		if !ok {
			return nil, nil
		}
		args := words[1:]
		if IsMulticallName(name) {
			if len(args) == 0 {
				return nil, nil
			}
			name, args = args[0], args[1:]
		}
		a := Find(Table(), name)
		if a == nil {
			return nil, nil
		}
		switch a.Name {
		case "fdmove":
			if len(args) < 3 || args[0] != "-c" || args[1] != "2" || args[2] != "1" {
				return nil, nil
			}
			plan.StderrFd = 1
			words = args[3:]
		case "setuidgid":
			if plan.Cred != nil || len(args) < 2 {
				return nil, nil
			}
			cred, err := lookupCred(args[0])
			if err != nil {
				return nil, err
			}
			plan.Cred, words = cred, args[1:]
		case "envdir":
			rest, err := applyEnvdir(args, abs, &env)
			if err != nil || rest == nil {
				return nil, err
			}
			envChanged, words = true, rest
		case "softlimit":
			_, rest, err := getopt.Parse(args, softlimitSpec)
			if err != nil || len(rest) == 0 {
				return nil, nil
			}
			opts := args[:len(args)-len(rest)]
			plan.ProcPrefix = append(append(plan.ProcPrefix, p.self, "softlimit"), opts...)
			plan.ProcPrefix = append(plan.ProcPrefix, "--")
			words = rest
		case "log":
			cfg, rest, err := logOptions(name, args)
			if err != nil || len(rest) == 0 {
				return nil, nil
			}
			sc, err := script.Parse(rest)
			if err != nil {
				return nil, nil
			}
			sc.Rebase(abs)
			cfg.Script, cfg.Perm = sc, p.perm
			plan.Config = cfg
			if envChanged {
				plan.Env = env
			}
			return plan, nil
		default:
			return nil, nil
		}
		if len(plan.ProcPrefix) > 0 && !IsMulticallName(filepath.Base(p.self)) {
			return nil, notHosted("softlimit for processors needs the binary to be named %s", MulticallName)
		}
	}
	return nil, nil
}

// softlimitSpec is softlimit's option string.
const softlimitSpec = "hHa:c:d:f:l:m:o:p:r:s:t:"

// resolve says which of our applets word runs, as the base name it is run
// under; false when it is not this binary.
func (p *logPlanner) resolve(word, dir string, env []string, chain, anyApplet bool) (string, bool) {
	file := word
	if anyApplet && !strings.Contains(word, "/") && Find(Table(), word) != nil {
		return word, true
	}
	if !strings.Contains(word, "/") {
		f, err := execpath.Look(word, execpath.FromEnviron(env))
		if err != nil {
			if a := Find(Table(), word); chain && errors.Is(err, syscall.ENOENT) && a != nil && a.Chain {
				return word, true
			}
			return "", false
		}
		file = f
	} else if word[0] != '/' {
		file = dir + "/" + word
	}
	if !p.isSelf(file) {
		return "", false
	}
	return filepath.Base(word), true
}

// lookupCred is s6-setuidgid's account: a name, or uid:gid.
func lookupCred(account string) (*syscall.Credential, error) {
	if us, gs, found := strings.Cut(account, ":"); found {
		uid, err1 := strconv.ParseUint(us, 10, 32)
		gid, err2 := strconv.ParseUint(gs, 10, 32)
		if err1 != nil || err2 != nil {
			return nil, notHosted("invalid uid:gid %s", account)
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
	}
	u, err := userdb.LookupUser(userdb.PasswdFile, account)
	if err != nil {
		return nil, notHosted("unable to look up user %s: %v", account, err)
	}
	list, err := userdb.SupplementaryGroups(userdb.GroupFile, u.Name)
	if err != nil {
		return nil, notHosted("unable to read the groups of %s: %v", account, err)
	}
	groups := make([]uint32, 0, len(list))
	for _, g := range list {
		groups = append(groups, uint32(g))
	}
	return &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID), Groups: groups}, nil
}

// applyEnvdir is s6-envdir's work on env; it returns the command after the
// directory.
func applyEnvdir(args []string, dir string, env *[]string) ([]string, error) {
	opts, rest, err := getopt.Parse(args, "IinfLc:")
	if err != nil || len(rest) < 2 {
		return nil, nil
	}
	o, insist, ok := envdirOptions(opts)
	if !ok {
		return nil, nil
	}
	d := rest[0]
	if d[0] != '/' {
		d = dir + "/" + d
	}
	changes, err := envdir.Read(d, o)
	if err != nil {
		if !insist && errors.Is(err, os.ErrNotExist) && isMissingDir(d) {
			return rest[1:], nil
		}
		return nil, notHosted("%v", err)
	}
	for _, ch := range changes {
		*env = setEnv(*env, ch.Name, ch.Value, ch.Unset)
	}
	return rest[1:], nil
}

func setEnv(env []string, name, value string, unset bool) []string {
	out := env[:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != name {
			out = append(out, kv)
		}
	}
	if !unset {
		out = append(out, name+"="+value)
	}
	return out
}
