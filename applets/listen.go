package applets

import (
	"errors"
	"os"
	"strconv"

	"s6box/core/fsutil"
	"s6box/core/svcwait"
)

// listenExit turns the outcome of a core/svcwait wait into messages and an
// exit code: 0, 1 or the number of failed services (at most 98, since 99
// means timeout and exit codes wrap at 256), 99 on timeout, 111 otherwise.
func listenExit(c *Ctx, err error) int {
	var fe *svcwait.FailedError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &fe):
		if fe.Mode == svcwait.One {
			return c.Fatal(1, "%v", fe)
		}
		return c.Fatal(min(fe.Count, 98), "%v", fe)
	case errors.Is(err, svcwait.ErrTimeout):
		return c.Fatal(svcwait.TimeoutExitCode, "timed out")
	}
	return c.Fatal(ExitSystem, "%v", err)
}

// parseMillis reads a timeout in milliseconds: decimal digits only.
func parseMillis(v string) (uint64, error) {
	return strconv.ParseUint(v, 10, 32)
}

// spawnUnwaited starts argv[0] (looked up in PATH) with our environment and
// standard streams, and does not wait for it: its exit status is of no
// interest to the listeners, and the zombie is reaped by our own exit.
func spawnUnwaited(argv []string) error {
	path, err := LookPath(argv[0])
	if err != nil {
		return err
	}
	p, err := os.StartProcess(path, argv, &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
	})
	if err != nil {
		return fsutil.Bare(err)
	}
	return p.Release()
}
