// Command s6box is an s6-style init and supervision suite in one executable.
// It dispatches on the name it was called by (svc, s6-svc, …) or, when called
// as s6box, on its first argument.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"s6box/applets"
)

// version is stamped by the Makefile with -ldflags.
var version = "dev"

func main() {
	os.Exit(run(os.Args))
}

func run(argv []string) int {
	// Duplicate names are caught by applets' unit tests and by the top-level
	// options (--list, --install), not on every start: a short-lived client
	// such as svc should not pay for building a map of every name.
	table := applets.Table()
	name := applets.MulticallName
	if len(argv) > 0 {
		name = filepath.Base(argv[0])
	}
	args := []string{}
	if len(argv) > 1 {
		args = argv[1:]
	}
	if applets.IsMulticallName(name) {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return topLevel(table, argv)
		}
		name, args = args[0], args[1:]
	}
	a := applets.Find(table, name)
	if a == nil {
		fmt.Fprintf(os.Stderr, "%s: fatal: unknown applet %q\n", applets.MulticallName, name)
		listApplets(table, os.Stderr)
		return applets.ExitUsage
	}
	// s6 programs have no long options; a lone --version or --help is
	// answered here for every applet (users check installs with
	// `s6-svscan --version`).
	if len(args) == 1 && (args[0] == "--version" || args[0] == "--help") {
		if args[0] == "--version" {
			fmt.Printf("%s (s6box %s)\n", name, version)
		} else {
			fmt.Printf("usage: %s %s\n", name, a.Usage)
		}
		return 0
	}
	ctx := &applets.Ctx{
		Prog: name, Args: args, Applet: a,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Argv0: argv0(argv),
	}
	return a.Main(ctx)
}

func argv0(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return argv[0]
}

func listApplets(table []applets.Applet, w *os.File) {
	fmt.Fprintln(w, "applets:")
	for _, a := range table {
		names := a.Name
		if len(a.Aliases) > 0 {
			names += " (" + strings.Join(a.Aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-40s %s\n", names, a.Usage)
	}
}

// topLevel handles `s6box --list`, `--install DIR`, `--install-prefix
// PREFIX`, `--version` and `--help`. Applet command lines never come here:
// they use POSIX getopt (see applets/getopt).
//
// This is deliberately not built on urfave/cli: it pulls text/template into
// the binary, whose reflection disables the linker's dead-code elimination of
// methods, and costs 1.6 MB of the 4 MiB budget for four options.
func topLevel(table []applets.Applet, argv []string) int {
	args := argv[1:]
	opt, val := "", ""
	if len(args) > 0 {
		opt = args[0]
		if k := strings.IndexByte(opt, '='); k > 0 && strings.HasPrefix(opt, "--") {
			opt, val = opt[:k], opt[k+1:]
		} else if len(args) > 1 {
			val = args[1]
		}
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "%s: fatal: %s\n", applets.MulticallName, fmt.Sprintf(format, a...))
		return applets.ExitUsage
	}
	if err := applets.CheckTable(table); err != nil {
		fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", applets.MulticallName, err)
		return applets.ExitBug
	}
	switch opt {
	case "--list", "-l":
		for _, n := range applets.Names(table) {
			fmt.Println(n)
		}
		return 0
	case "--version", "-v":
		fmt.Printf("s6box %s\n", version)
		return 0
	case "--help", "-h", "":
		fmt.Println(topUsage)
		listApplets(table, os.Stdout)
		if opt == "" {
			return applets.ExitUsage
		}
		return 0
	case "--install", "--install-prefix":
		if val == "" {
			return fail("%s needs a directory", opt)
		}
		o := applets.InstallOptions{BinName: applets.MulticallName}
		extra := args[1:]
		if !strings.Contains(args[0], "=") {
			extra = extra[1:]
		}
		for _, a := range extra {
			if a != "--force" {
				return fail("unknown option %s for %s", a, opt)
			}
			o.Force = true
		}
		self := applets.SelfPath(argv0(argv))
		var err error
		if opt == "--install" {
			err = applets.InstallFlat(table, val, self, o)
		} else {
			err = applets.InstallPrefix(table, val, self, o)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", applets.MulticallName, err)
			return applets.ExitSystem
		}
		return 0
	}
	fail("unknown option %s", opt)
	fmt.Fprintln(os.Stderr, topUsage)
	return applets.ExitUsage
}

const topUsage = `usage: s6box APPLET [ARGS...]       run an applet (same as calling its symlink)
       s6box --list                  list every applet name
       s6box --install DIR [--force] a symlink to this binary for s6box and every applet name in DIR
       s6box --install-prefix PREFIX [--force]
                                     copy this binary to PREFIX/bin/s6box, link applet names in
                                     PREFIX/bin and PREFIX/sbin (not halt/init/poweroff/reboot/
                                     shutdown/telinit: init-maker's bin/ provides those)
       Nothing is installed if a name is taken by a file or link that is not ours, unless --force.
       s6box --version | --help`
