package scanner

import (
	"fmt"
	"sync"
	"syscall"

	"s6box/core/reaper"
)

// Spec is what a host needs to run one supervisor.
type Spec struct {
	Dir  string // absolute path of the service directory (symlinks resolved)
	Name string // as s6-svscan passes it: "foo" or "foo/log"
	// Fds given to the supervisor (and through it to run and finish) as
	// 0, 1 and 2. The scanner owns them and keeps them open while the
	// supervisor runs.
	Stdin, Stdout, Stderr int
	Logger                bool // a log/ sub-service
}

// Handle is one running supervisor.
type Handle interface {
	// Signal delivers a supervisor signal (TERM, HUP, QUIT, INT) with
	// s6-supervise's semantics.
	Signal(sig syscall.Signal)
	// Done is closed when the supervisor has exited.
	Done() <-chan struct{}
}

// Host runs supervisors: as processes (s6-svscan's way) or in-process.
type Host interface {
	Start(s Spec) (Handle, error)
	// Mode names the host in messages: "process" or "in-process".
	Mode() string
}

// ProcessHost spawns one supervise process per service, exactly as
// s6-svscan does: argv [Argv0, NAME], cwd = the scan directory.
type ProcessHost struct {
	Reaper *reaper.Reaper
	Prog   string   // path of the supervise program
	Argv0  string   // "s6-supervise" or "supervise"
	Cwd    string   // the scan directory
	Env    []string // nil: inherit
}

// Mode implements Host.
func (p *ProcessHost) Mode() string { return "process" }

// Start implements Host.
func (p *ProcessHost) Start(s Spec) (Handle, error) {
	attr := &syscall.ProcAttr{
		Dir:   p.Cwd,
		Env:   p.Env,
		Files: []uintptr{uintptr(s.Stdin), uintptr(s.Stdout), uintptr(s.Stderr)},
	}
	if attr.Env == nil {
		attr.Env = syscall.Environ()
	}
	pid, exit, err := p.Reaper.StartProcess(p.Prog, []string{p.Argv0, s.Name}, attr)
	if err != nil {
		return nil, fmt.Errorf("unable to spawn %s for %s: %w", p.Prog, s.Name, err)
	}
	h := &procHandle{pid: pid, done: make(chan struct{})}
	go func() {
		<-exit
		h.mu.Lock()
		h.exited = true
		h.mu.Unlock()
		close(h.done)
	}()
	return h, nil
}

type procHandle struct {
	pid    int
	mu     sync.Mutex
	exited bool
	done   chan struct{}
}

// Signal sends sig to the supervise process unless it has been reaped (its
// pid could then belong to someone else).
func (h *procHandle) Signal(sig syscall.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.exited {
		syscall.Kill(h.pid, sig)
	}
}

func (h *procHandle) Done() <-chan struct{} { return h.done }
