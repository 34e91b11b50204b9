package applets

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"s6box/linuxinit"
)

// runscriptMain runs a file written as `#!/path/to/s6box runscript` followed
// by one command line (see linuxinit.ParseRunscript); a word $@ stands for
// the script's own arguments, which are dropped otherwise (supervisors pass
// the service name). It lets init trees work without a shell.
func runscriptMain(c *Ctx) int {
	if len(c.Args) == 0 {
		return c.UsageFail("no script")
	}
	b, err := os.ReadFile(c.Args[0])
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read %s: %v", c.Args[0], err)
	}
	words, err := linuxinit.ParseRunscript(string(b))
	if err != nil {
		return c.Fatal(ExitUsage, "%s: %v", c.Args[0], err)
	}
	if len(words) == 0 {
		return c.Fatal(ExitUsage, "%s: empty command line", c.Args[0])
	}
	return execApplet(c, linuxinit.SubstArgs(words, c.Args[1:]))
}

// execApplet execs argv: an applet name runs this executable (as
// `s6box NAME …` when called as s6box, so the child finds itself again
// without /proc), anything else is looked up in PATH. From one start-up
// stage to another (Applet.Stage) the next runs in this process instead:
// what a stage leaves behind is process state (environment, umask,
// working directory, descriptors), exactly what an exec would keep, and
// no stage starts a goroutine or a child before handing over.
func execApplet(c *Ctx, argv []string) int {
	if a := Find(Table(), argv[0]); a != nil && a.Stage && c.Applet != nil && c.Applet.Stage && os.Getenv(NoChainEnv) == "" {
		return a.Main(&Ctx{Prog: argv[0], Args: argv[1:], Applet: a,
			Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr,
			Argv0: c.Argv0, self: c.self, selfDone: c.selfDone})
	}
	if !strings.Contains(argv[0], "/") && Find(Table(), argv[0]) != nil && c.Self() != "" {
		full := argv
		if IsMulticallName(filepath.Base(c.Self())) {
			full = append([]string{c.Self()}, argv...)
		}
		err := syscall.Exec(c.Self(), full, os.Environ())
		return c.Fatal(ExitNoExec, "unable to exec %s: %v", argv[0], err)
	}
	return c.Exec(argv)
}
