package scanner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/status"
	"s6box/core/supervisor"
)

// InProcessHost runs each supervisor as a goroutine of the scanner
// (ARCHITECTURE.md, "Supervision hosts"), with the same supervise/ directory
// a supervise process would make. Children are forked by Spawner; svscan
// passes a pdeath.Spawner so that daemons die with the scanner and a
// restarted scanner never finds a second copy running.
type InProcessHost struct {
	Spawner supervisor.Spawner
	Logf    func(level, format string, args ...any)
	// Loggers, if set, gives the supervisor of each log/ sub-service its
	// spawner, which may host the logger in this process instead of
	// spawning it (logger/loghost).
	Loggers LoggerSpawners
}

// LoggerSpawners makes the spawner of one logger's supervisor; name is
// "foo/log", base the host's Spawner.
type LoggerSpawners interface {
	ForLogger(name string, base supervisor.Spawner) supervisor.Spawner
}

// Mode implements Host.
func (h *InProcessHost) Mode() string { return "in-process" }

// Start implements Host.
func (h *InProcessHost) Start(s Spec) (Handle, error) {
	name := s.Name
	sp := h.Spawner
	if s.Logger && h.Loggers != nil {
		sp = h.Loggers.ForLogger(name, sp)
	}
	sup, err := supervisor.Start(supervisor.Options{
		Dir: s.Dir, Name: s.Name,
		Stdin: uintptr(s.Stdin), Stdout: uintptr(s.Stdout), Stderr: uintptr(s.Stderr),
		Spawner: sp,
		Logf: func(level, format string, args ...any) {
			if h.Logf != nil {
				h.Logf(level, "supervise %s: %s", name, fmt.Sprintf(format, args...))
			}
		},
	})
	if err != nil {
		return nil, err
	}
	return &inprocHandle{sup: sup, sp: sp, dir: s.Dir, name: name, logf: h.Logf}, nil
}

type inprocHandle struct {
	sup  *supervisor.Supervisor
	sp   supervisor.Spawner
	dir  string
	name string
	logf func(string, string, ...any)
}

// ChildKiller is implemented by a Spawner whose children may outlive a
// crashed supervisor without being processes (hosted loggers): AfterExit
// ends them as it kills a process left behind.
type ChildKiller interface{ KillChildren() }

func (ih *inprocHandle) Signal(sig syscall.Signal) { ih.sup.Signal(sig) }
func (ih *inprocHandle) Done() <-chan struct{}     { return ih.sup.Done() }

// AfterExit runs once the supervisor has ended, before the scanner may
// restart it. A supervisor ends normally only once its service is down;
// if it ended with a child of ours still recorded in status (it crashed),
// that service's process group is killed so that the restart cannot make
// a second copy.
func (ih *inprocHandle) AfterExit() {
	if k, ok := ih.sp.(ChildKiller); ok {
		k.KillChildren()
	}
	if st, err := status.Read(ih.dir); err == nil && st.PID != 0 && isOurChild(int(st.PID)) {
		if ih.logf != nil {
			ih.logf("warning", "supervisor of %s ended with its child %d still running: killing its process group", ih.name, st.PID)
		}
		syscall.Kill(-int(st.PID), syscall.SIGKILL)
		syscall.Kill(int(st.PID), syscall.SIGKILL)
	}
}

// isOurChild reports whether pid is alive and its parent is this process.
func isOurChild(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 || f[0] == "Z" {
		return false
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid == os.Getpid()
}
