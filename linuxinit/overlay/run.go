package overlay

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"time"
)

// Procs starts the programs of stages 2 and 3. Stages 2 and 3 are plain
// children of init with no reaper of their own, so os/exec's Wait is safe
// here (see ARCHITECTURE.md, Reaper).
type Procs struct {
	Self   string   // the s6box binary: applets are run as Self with argv[0] = name
	Env    []string // environment of every child
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Status is how a child ended: its exit code, or 128+signal when killed,
// as a shell reports it.
type Status struct {
	Code     int
	TimedOut bool // killed after its time limit
}

// run runs path with argv in dir ("" for the current one) and waits, at
// most limit (0: no limit) before SIGKILL.
func (p *Procs) run(path string, argv []string, dir string, limit time.Duration) (Status, error) {
	cmd := &exec.Cmd{Path: path, Args: argv, Env: p.Env, Dir: dir,
		Stdin: p.Stdin, Stdout: p.Stdout, Stderr: p.Stderr}
	if err := cmd.Start(); err != nil {
		return Status{}, fmt.Errorf("unable to run %s: %w", path, err)
	}
	var timedOut atomic.Bool
	if limit > 0 {
		t := time.AfterFunc(limit, func() {
			timedOut.Store(true)
			cmd.Process.Signal(syscall.SIGKILL)
		})
		defer t.Stop()
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return Status{}, fmt.Errorf("unable to wait for %s: %w", path, err)
	}
	st := Status{Code: cmd.ProcessState.ExitCode(), TimedOut: timedOut.Load()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		st.Code = 128 + int(ws.Signal())
	}
	return st, nil
}

// applet runs one of this binary's applets.
func (p *Procs) applet(name string, args ...string) (Status, error) {
	return p.run(p.Self, append([]string{name}, args...), "", 0)
}

// appletOK runs an applet and turns a nonzero exit into an error.
func (p *Procs) appletOK(name string, args ...string) error {
	st, err := p.applet(name, args...)
	if err != nil {
		return err
	}
	if st.Code != 0 {
		return fmt.Errorf("%s exited %d", name, st.Code)
	}
	return nil
}

// script runs a user script (cont-init.d, cont-finish.d) directly: it must
// be executable, with its own #! line.
func (p *Procs) script(path string, limit time.Duration) (Status, error) {
	if _, err := os.Stat(path); err != nil {
		return Status{}, fmt.Errorf("unable to run %s: %w", path, err)
	}
	return p.run(path, []string{path}, "", limit)
}
