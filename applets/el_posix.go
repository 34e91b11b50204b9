package applets

// posix-cd and posix-umask: execline's POSIX-conforming cd and umask, whose
// rules live in core/posix. Both exec into the rest of their command line.

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"s6box/applets/getopt"
	"s6box/core/posix"
)

func posixUmaskMain(c *Ctx) int {
	const usage = "posix-umask [ -S ] [ mask ] [ prog... ]"
	opts, argv, err := getopt.Parse(c.Args, "S")
	if err != nil {
		return elUsage(c, usage)
	}
	symbolic := len(opts) > 0
	cur := uint32(syscall.Umask(0))
	if len(argv) == 0 {
		syscall.Umask(int(cur))
		if _, err := fmt.Fprintln(c.Stdout, posix.FormatUmask(cur, symbolic)); err != nil {
			return elDieSys(c, ExitSystem, err, "write to stdout")
		}
		return 0
	}
	mask, err := posix.ParseUmask(argv[0], cur)
	if err != nil {
		syscall.Umask(int(cur))
		return c.Fatal(1, "%v: %s", err, argv[0])
	}
	syscall.Umask(int(mask))
	return elExec(c, argv[1:])
}

func posixCdMain(c *Ctx) int {
	const usage = "posix-cd [ -L | -P ] [ - | path ] [ prog... ]"
	opts, argv, err := getopt.Parse(c.Args, "LP")
	if err != nil {
		return elUsage(c, usage)
	}
	logical := true
	for _, o := range opts {
		logical = o.Letter == 'L'
	}
	dir, hasDir := "", len(argv) > 0
	if hasDir {
		dir, argv = argv[0], argv[1:]
	}
	cwd, err := syscall.Getwd()
	if err != nil {
		return elDieSys(c, ExitSystem, err, "getcwd")
	}
	env := posix.CDEnv{
		Home: os.Getenv("HOME"), OldPwd: os.Getenv("OLDPWD"), CDPath: os.Getenv("CDPATH"),
		Pwd: validPwd(os.Getenv("PWD")),
		IsDir: func(p string) bool {
			st, err := os.Stat(p)
			return err == nil && st.IsDir()
		},
	}
	t, err := posix.ResolveCD(dir, hasDir, logical, cwd, env)
	if err != nil { // posix.ErrNoDir: nowhere to go
		return c.Fatal(ExitUsage, "%v", err)
	}
	if err := syscall.Chdir(t.Path); err != nil {
		if dir == "" || dir == "-" {
			dir = t.Path
		}
		return elDieSys(c, ExitSystem, err, "chdir to %s", dir)
	}
	pwd := t.Path
	if !logical {
		if pwd, err = syscall.Getwd(); err != nil {
			return elDieSys(c, ExitSystem, err, "getcwd")
		}
	}
	os.Setenv("OLDPWD", cwd)
	os.Setenv("PWD", pwd)
	if t.Print {
		if _, err := fmt.Fprintln(c.Stdout, pwd); err != nil {
			return elDieSys(c, ExitSystem, err, "write to stdout")
		}
	}
	return elExec(c, argv)
}

// validPwd returns pwd when it names the working directory, as a shell
// checks PWD at start-up, or "": a chain-loader like cd changes directory
// without updating PWD, and a logical path must not start from a stale one.
func validPwd(pwd string) string {
	if !strings.HasPrefix(pwd, "/") {
		return ""
	}
	var named, here syscall.Stat_t
	if syscall.Stat(pwd, &named) != nil || syscall.Stat(".", &here) != nil ||
		named.Dev != here.Dev || named.Ino != here.Ino {
		return ""
	}
	return pwd
}
