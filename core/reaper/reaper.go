// Package reaper is the one owner of wait4 in a process that has children
// (ARCHITECTURE.md, "Reaper"). Children are started through it; on SIGCHLD it reaps every
// exited child with wait4(-1, WNOHANG) and hands the wait status to whoever
// started that pid. Unknown pids (orphans reparented to us as pid 1 or as a
// subreaper) are reaped and passed to an optional orphan hook.
//
// Nothing else in such a process may call os/exec's Wait or os.Process.Wait.
package reaper

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Exit is a reaped child.
type Exit struct {
	Pid    int
	Status syscall.WaitStatus
}

// Reaper owns wait4 for the whole process.
type Reaper struct {
	mu      sync.Mutex
	waiters map[int]chan Exit
	// forks is held for reading from a fork until its pid is registered:
	// forks on several threads run at once, and a pid the reaper does not
	// know yet may be one of theirs.
	forks    sync.RWMutex
	orphan   func(Exit)
	sigs     chan os.Signal
	stop     chan struct{}
	stopOnce sync.Once
}

// Start installs the SIGCHLD handler and the reaping goroutine. orphan, if
// not nil, is called (from the reaper goroutine) for every reaped pid that
// nobody registered.
func Start(orphan func(Exit)) *Reaper {
	r := &Reaper{
		waiters: map[int]chan Exit{},
		orphan:  orphan,
		sigs:    make(chan os.Signal, 1),
		stop:    make(chan struct{}),
	}
	signal.Notify(r.sigs, syscall.SIGCHLD)
	go r.loop()
	return r
}

// Stop ends the reaping goroutine (children started later are not reaped).
func (r *Reaper) Stop() {
	r.stopOnce.Do(func() {
		signal.Stop(r.sigs)
		close(r.stop)
	})
}

func (r *Reaper) loop() {
	r.ReapNow() // children that exited before the handler was installed
	for {
		select {
		case <-r.sigs:
			r.ReapNow()
		case <-r.stop:
			return
		}
	}
}

// ReapNow reaps every child that has exited, without blocking.
func (r *Reaper) ReapNow() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		r.dispatch(Exit{Pid: pid, Status: ws})
	}
}

func (r *Reaper) dispatch(e Exit) {
	ch, ok := r.take(e.Pid)
	if !ok {
		// Wait for the forks in progress to register their pids.
		r.forks.Lock()
		r.forks.Unlock()
		ch, ok = r.take(e.Pid)
	}
	if ok {
		ch <- e // buffered, never blocks
		return
	}
	if r.orphan != nil {
		r.orphan(e)
	}
}

func (r *Reaper) take(pid int) (chan Exit, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.waiters[pid]
	if ok {
		delete(r.waiters, pid)
	}
	return ch, ok
}

// StartProcess forks and execs argv0 with attr and registers the child
// before the reaper can see it exit. The returned channel receives its exit
// exactly once.
func (r *Reaper) StartProcess(argv0 string, argv []string, attr *syscall.ProcAttr) (int, <-chan Exit, error) {
	ch := make(chan Exit, 1)
	r.forks.RLock()
	defer r.forks.RUnlock()
	pid, err := syscall.ForkExec(argv0, argv, attr)
	if err != nil {
		return 0, nil, err
	}
	r.mu.Lock()
	r.waiters[pid] = ch
	r.mu.Unlock()
	return pid, ch, nil
}

// Watch registers a pid this process started by other means (it must not
// have been reaped yet, so the caller must hold no race: use StartProcess
// where possible). It exists for children inherited across exec.
func (r *Reaper) Watch(pid int) <-chan Exit {
	ch := make(chan Exit, 1)
	r.mu.Lock()
	r.waiters[pid] = ch
	r.mu.Unlock()
	return ch
}
