// Command s6box is an s6-style init and supervision suite in one executable.
// It dispatches on the name it was called by (svc, s6-svc, …) or, when called
// as s6box, on its first argument.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"s6box/applets"
)

// version is stamped by the Makefile with -ldflags.
var version = "dev"

const multicallName = "s6box"

func main() {
	os.Exit(run(os.Args))
}

func run(argv []string) int {
	table := applets.Table()
	if err := applets.CheckTable(table); err != nil {
		fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", multicallName, err)
		return applets.ExitBug
	}
	name := "s6box"
	if len(argv) > 0 {
		name = filepath.Base(argv[0])
	}
	args := []string{}
	if len(argv) > 1 {
		args = argv[1:]
	}
	if name == multicallName || strings.HasPrefix(name, multicallName+"-") || strings.HasPrefix(name, multicallName+".") {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return topLevel(table, argv)
		}
		name, args = args[0], args[1:]
	}
	a := applets.Find(table, name)
	if a == nil {
		fmt.Fprintf(os.Stderr, "%s: fatal: unknown applet %q\n", multicallName, name)
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
		Self: selfPath(argv),
	}
	return a.Main(ctx)
}

// selfPath remembers where this executable is. /proc/self/exe is the truth
// when /proc is mounted; in early boot it is not, so fall back to argv[0]
// resolved through PATH.
func selfPath(argv []string) string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	if len(argv) == 0 {
		return ""
	}
	p, err := applets.LookPath(argv[0])
	if err != nil {
		return argv[0]
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
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

// topLevel handles `s6box --list`, `--install DIR`, `--install-prefix DIR`,
// `--version` and `--help`. Applet command lines never reach urfave/cli: they
// use POSIX getopt (see applets/getopt).
func topLevel(table []applets.Applet, argv []string) int {
	code := 0
	app := &cli.App{
		Name:            multicallName,
		Usage:           "s6-style init and supervision suite in one executable",
		UsageText:       "s6box APPLET [ARGS...] | s6box --list | s6box --install DIR | s6box --install-prefix PREFIX",
		Version:         version,
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "list", Usage: "list the applets and their s6 names"},
			&cli.StringFlag{Name: "install", Usage: "create a symlink for every applet name in `DIR`"},
			&cli.StringFlag{Name: "install-prefix", Usage: "install links into `PREFIX`/bin and PREFIX/sbin, relative to PREFIX/bin/s6box"},
		},
		Action: func(c *cli.Context) error {
			switch {
			case c.Bool("list"):
				for _, n := range applets.Names(table) {
					fmt.Println(n)
				}
			case c.String("install") != "":
				self := selfPath(argv)
				if err := applets.InstallFlat(table, c.String("install"), self); err != nil {
					fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", multicallName, err)
					code = applets.ExitSystem
				}
			case c.String("install-prefix") != "":
				if err := applets.InstallPrefix(table, c.String("install-prefix"), multicallName); err != nil {
					fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", multicallName, err)
					code = applets.ExitSystem
				}
			default:
				if c.NArg() > 0 {
					fmt.Fprintf(os.Stderr, "%s: fatal: unknown applet %q\n", multicallName, c.Args().First())
				} else {
					cli.ShowAppHelp(c)
				}
				listApplets(table, os.Stderr)
				code = applets.ExitUsage
			}
			return nil
		},
	}
	if err := app.Run(argv); err != nil {
		fmt.Fprintf(os.Stderr, "%s: fatal: %v\n", multicallName, err)
		return applets.ExitUsage
	}
	return code
}
