package applets

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/rcdb/fdholder"
)

// rcPipeRunMain is the run (and finish) program of a pipelined longrun
// ("#!SELF rc-pipe-run"): it reads ./rc-pipe ("stdin NAME" and/or "stdout
// NAME"), gets those pipe ends from ../s6rc-fdholder and execs ./run.user
// (./finish.user when called as ./finish) with them as stdin/stdout and the
// remaining arguments.
func rcPipeRunMain(c *Ctx) int {
	b, err := os.ReadFile("rc-pipe")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read rc-pipe: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		which, name, _ := strings.Cut(line, " ")
		end, fd := "r", 0
		if which == "stdout" {
			end, fd = "w", 1
		}
		f, err := fdholder.Retrieve("../s6rc-fdholder/s", end, name)
		if err != nil {
			return c.Fatal(ExitSystem, "unable to retrieve the pipe of %s: %v", name, err)
		}
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			return c.Fatal(ExitSystem, "unable to dup2: %v", err)
		}
		f.Close()
	}
	// c.Args[0] is the script path the kernel passed: ./run or ./finish
	prog := "./run.user"
	if len(c.Args) > 0 && filepath.Base(c.Args[0]) == "finish" {
		prog = "./finish.user"
	}
	argv := []string{prog}
	if len(c.Args) > 1 {
		argv = append(argv, c.Args[1:]...)
	}
	err = syscall.Exec(prog, argv, os.Environ())
	return c.Fatal(ExitNoExec, "unable to exec %s: %v", prog, err)
}
