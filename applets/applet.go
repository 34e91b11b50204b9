// Package applets holds one thin file per applet: each parses its command line
// and calls into core, logger, rcdb, linuxinit or initramfs, then maps the
// outcome to s6's messages and exit codes.
package applets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"s6box/applets/getopt"
	"s6box/core/errtext"
	"s6box/core/execpath"
	"s6box/core/fsutil"
)

// Exit codes shared by all applets, as s6 documents them.
const (
	ExitUsage  = 100 // bad invocation
	ExitSystem = 111 // a system call failed
	ExitBug    = 101 // internal error
	ExitNoExec = 126 // final exec failed for a reason other than "not found"
	ExitNoProg = 127 // final exec failed: program not found
)

// Applet is one row of the applet table.
type Applet struct {
	Name    string   // bare name: "svc"
	Aliases []string // s6 names: "s6-svc"
	Usage   string   // one-line usage, without the program name
	Dir     string   // "bin" or "sbin": where `make install` puts its links
	Main    func(c *Ctx) int
	// Chain marks a chain-loading applet (one that ends by exec'ing its
	// program): when another chain-loader of this binary would exec into
	// it, it is run in the same process instead (see chain.go).
	Chain bool
	// Stage marks a step of a start-up chain (runscript, overlay-init,
	// init, overlay-stage2): when one hands over to another by name
	// (execApplet), the next runs in this process, sparing an exec and a
	// runtime start on the way to the services (see runscript.go).
	Stage bool
}

// Ctx is everything an applet gets from the process: the name it was called
// by, its arguments and its standard streams.
type Ctx struct {
	Prog   string   // the name the applet was called by, used in messages
	Args   []string // arguments after the program name
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Argv0  string // argv[0] of the process, to find this executable without /proc
	Applet *Applet

	self     string // Self's answer, once asked
	selfDone bool
}

// Self is the absolute path of this executable. It is looked up the first
// time an applet asks (chain-loaders, svscan -P, the rc compiler, init), so
// clients such as svc do not pay a readlink of /proc/self/exe on every start.
func (c *Ctx) Self() string {
	if !c.selfDone {
		c.self, c.selfDone = SelfPath(c.Argv0), true
	}
	return c.self
}

// SelfPath finds this executable: /proc/self/exe is the truth when /proc is
// mounted; in early boot it is not, so fall back to argv0 resolved through
// PATH.
func SelfPath(argv0 string) string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	if argv0 == "" {
		return ""
	}
	p, err := LookPath(argv0)
	if err != nil {
		return argv0
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Fatal prints "PROG: fatal: MSG" and returns code, for `return c.Fatal(...)`.
func (c *Ctx) Fatal(code int, format string, a ...any) int {
	c.say("fatal", format, a)
	return code
}

// Warn prints "PROG: warning: MSG".
func (c *Ctx) Warn(format string, a ...any) { c.say("warning", format, a) }

// Info prints "PROG: info: MSG".
func (c *Ctx) Info(format string, a ...any) { c.say("info", format, a) }

func (c *Ctx) say(level, format string, a []any) {
	fmt.Fprintf(c.Stderr, "%s: %s: %s\n", c.Prog, level, Message(format, a...))
}

// Message formats a message as s6 words it: an error argument ending in a
// system error gets the C library's text for it ("No such file or
// directory", not Go's "no such file or directory").
func Message(format string, a ...any) string { return fmt.Sprintf(format, errtext.Args(a)...) }

// UsageFail prints the usage line (with an optional reason) and returns 100.
func (c *Ctx) UsageFail(reason string) int {
	if reason != "" {
		fmt.Fprintf(c.Stderr, "%s: usage: %s %s (%s)\n", c.Prog, c.Prog, c.Applet.Usage, reason)
	} else {
		fmt.Fprintf(c.Stderr, "%s: usage: %s %s\n", c.Prog, c.Prog, c.Applet.Usage)
	}
	return ExitUsage
}

// Getopt parses c.Args with a getopt spec; on a usage error it prints the
// usage line and returns ok=false with the exit code to return.
func (c *Ctx) Getopt(spec string) (opts []getopt.Opt, rest []string, code int, ok bool) {
	opts, rest, err := getopt.Parse(c.Args, spec)
	if err != nil {
		return nil, nil, c.UsageFail(err.Error()), false
	}
	return opts, rest, 0, true
}

// FatalErr reports err as fatal, choosing 100 for usage errors and 111
// otherwise.
func (c *Ctx) FatalErr(err error) int {
	var ue *getopt.UsageError
	if errors.As(err, &ue) {
		return c.UsageFail(ue.Msg)
	}
	return c.Fatal(ExitSystem, "%v", err)
}

// Exec replaces the process with argv[0] (looked up in PATH when it has no
// slash, then among this binary's chain-loaders) with the current
// environment. It only returns on failure, with 127
// when the program does not exist and 126 otherwise, after printing why.
func (c *Ctx) Exec(argv []string) int {
	if len(argv) == 0 || argv[0] == "" {
		return c.UsageFail("no program to execute")
	}
	path, err := c.LookProgram(argv[0])
	if err == nil {
		if next := c.chainNext(argv, path); next != nil {
			return next.Applet.Main(next)
		}
		err = syscall.Exec(path, argv, os.Environ())
	}
	code := ExitNoExec
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, os.ErrNotExist) {
		code = ExitNoProg
	}
	return c.Fatal(code, "unable to exec %s: %v", argv[0], fsutil.Bare(err))
}

// LookProgram finds what argv[0] = name should exec: PATH first, as execvp
// does; then, for a name PATH does not have, this binary itself when one of
// its chain-loaders (an execline command, s6-envdir…) has that name, so
// scripts find them where PATH does not list the farm (make install leaves
// names like if and cd out of PATH). A program of that name in PATH wins.
func (c *Ctx) LookProgram(name string) (string, error) {
	path, err := LookPath(name)
	if errors.Is(err, syscall.ENOENT) && !strings.Contains(name, "/") && c.Self() != "" {
		if a := Find(Table(), name); a != nil && a.Chain {
			return c.Self(), nil
		}
	}
	return path, err
}

// LookPath finds prog in $PATH like execvp does (a name with a slash is used
// as is). The error is ENOENT when nothing matches, or the error of the last
// candidate that exists but cannot be run.
func LookPath(prog string) (string, error) {
	return execpath.Look(prog, execpath.Env())
}

// Find returns the applet called name (bare or s6 name), or nil.
func Find(table []Applet, name string) *Applet {
	for i := range table {
		a := &table[i]
		if a.Name == name {
			return a
		}
		for _, al := range a.Aliases {
			if al == name {
				return a
			}
		}
	}
	return nil
}

// CheckTable reports duplicate names in the table; a duplicate is a start-up
// error because dispatch would be ambiguous.
func CheckTable(table []Applet) error {
	seen := map[string]bool{}
	for _, a := range table {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if seen[n] {
				return fmt.Errorf("applet name %q appears twice in the applet table", n)
			}
			seen[n] = true
		}
	}
	return nil
}

// Names lists every name (bare and alias) of every applet, sorted.
func Names(table []Applet) []string {
	var names []string
	for _, a := range table {
		names = append(names, a.Name)
		names = append(names, a.Aliases...)
	}
	sort.Strings(names)
	return names
}
