package applets

import (
	"errors"
	"os"
	"strconv"
	"time"

	"s6box/core/svlisten"
)

// listenMode selects whose semantics a wait follows; they differ in the
// first phase of -r/-R and in the exit code for failed services.
type listenMode int

const (
	listenWait listenMode = iota // svwait: -r first waits for all down; exit = failures
	listenOne                    // svlisten1: -r first waits for down+ready; exit 1 on failure
	listenMany                   // svlisten: -r first waits for all down+ready; exit = failures
)

// ExitTimeout is the exit code of a wait whose deadline passed.
const ExitTimeout = 99

// wantFor maps a -u -U -d -D -r -R letter to the final wanted state and
// whether a restart (down first) is awaited.
func wantFor(letter byte) (want svlisten.Want, restart bool) {
	switch letter {
	case 'U':
		return svlisten.Want{Up: true, Ready: true}, false
	case 'd':
		return svlisten.Want{}, false
	case 'D':
		return svlisten.Want{Ready: true}, false
	case 'r':
		return svlisten.Want{Up: true}, true
	case 'R':
		return svlisten.Want{Up: true, Ready: true}, true
	}
	return svlisten.Want{Up: true}, false
}

// listenLoop waits on an already subscribed watcher and turns the outcome
// into messages and an exit code.
func listenLoop(c *Ctx, w *svlisten.Watcher, dirs []string, letter byte, or bool, mode listenMode, deadline time.Time) int {
	want, restart := wantFor(letter)
	var n int
	var err error
	if restart {
		// Each service must go down (svlisten1/svlisten: down and ready,
		// i.e. finish done), then come up; services are followed one by one,
		// as supervisors restart at once and all of them are never down at
		// the same moment.
		first := svlisten.Want{Ready: true}
		if mode == listenWait {
			first = svlisten.Want{}
		}
		n, err = w.WaitRestart(first, want, or, deadline)
	} else {
		n, err = w.Wait(want, or, deadline)
	}
	if err != nil {
		return listenErr(c, err)
	}
	failures := n
	if failures == 0 {
		return 0
	}
	if mode == listenOne {
		return c.Fatal(1, "%s failed permanently or its supervisor died", dirs[0])
	}
	if failures > 98 {
		failures = 98 // 99 means timeout, and exit codes wrap at 256
	}
	return c.Fatal(failures, "some services reported permanent failure")
}

func listenErr(c *Ctx, err error) int {
	if errors.Is(err, svlisten.ErrTimeout) {
		return c.Fatal(ExitTimeout, "timed out")
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
		return unwrapErrno(err)
	}
	return p.Release()
}
