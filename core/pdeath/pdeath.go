// Package pdeath starts children that die with this process.
//
// svscan hosts its supervisors in-process (ARCHITECTURE.md, "Supervision
// hosts"). If the scanner is killed with SIGKILL and started again, the
// daemons its supervisors started must not survive, or the new scanner would
// start second copies. Linux's parent-death signal gives that: a child
// forked with PR_SET_PDEATHSIG gets SIGKILL when the thread that forked it
// ends. In a Go process threads come and go, so every fork here happens on
// a goroutine locked to its own OS thread for the life of the process
// (ARCHITECTURE.md, "Spawning thread"): that thread ends only when the
// process does (or execs). A Spawner has one such thread, a Pool several.
//
// The death signal reaches the direct child only. A run script that forks a
// grandchild and does not exec into it leaves that grandchild running when
// the scanner is killed; services should exec into their daemon (s6's rule
// too).
//
// The spawning thread also has a descriptor table of its own (see
// privatefds.go): a scanner holds a few descriptors per service, and every
// fork copies the forking thread's whole table, which the child then closes
// again at exec. With 500 services that was about half a millisecond of
// every start of every service.
package pdeath

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"s6box/core/reaper"
)

type request struct {
	path  string
	argv  []string
	attr  *syscall.ProcAttr
	pass  []int // descriptors sent over the socket for this request, in order
	reply chan result
}

type result struct {
	pid  int
	exit <-chan reaper.Exit
	err  error
}

// Spawner forks every child from one locked OS thread with
// Pdeathsig=SIGKILL, registering it with the process's reaper.
type Spawner struct {
	r    *reaper.Reaper
	reqs chan request

	// mu makes "send the descriptors, then the request" one step, so the
	// spawning thread receives them in the order of the requests.
	mu sync.Mutex
	// priv is set when the spawning thread runs with its own descriptor
	// table; the descriptors a child needs then travel over the socket.
	priv *privateTable
}

// New starts the spawning thread. It lives until the process exits.
func New(r *reaper.Reaper) *Spawner {
	s := &Spawner{r: r, reqs: make(chan request)}
	ready := make(chan *privateTable)
	go s.loop(ready)
	s.priv = <-ready
	if s.priv != nil {
		s.priv.closeReceiverHere()
	}
	return s
}

func (s *Spawner) loop(ready chan<- *privateTable) {
	// Never unlocked and never returns: the thread must outlive every child,
	// and it may hold a descriptor table no other thread has.
	runtime.LockOSThread()
	priv := setupPrivateTable()
	ready <- priv
	for q := range s.reqs {
		attr := *q.attr
		var sys syscall.SysProcAttr
		if q.attr.Sys != nil {
			sys = *q.attr.Sys
		}
		sys.Pdeathsig = syscall.SIGKILL
		attr.Sys = &sys
		var here []int
		if priv != nil {
			var err error
			here, err = priv.receive(&attr, q.pass)
			if err != nil {
				q.reply <- result{err: err}
				continue
			}
		}
		pid, exit, err := s.r.StartProcess(q.path, q.argv, &attr)
		for _, fd := range here {
			syscall.Close(fd)
		}
		q.reply <- result{pid, exit, err}
	}
}

// Spawn forks and execs path with argv and attr (attr.Sys may be nil; it is
// copied, never modified) on the spawning thread. The exit channel receives
// the child's wait status exactly once.
func (s *Spawner) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	s.mu.Lock()
	return s.spawnLocked(path, argv, attr)
}

// spawnLocked is Spawn with s.mu held; it releases it.
func (s *Spawner) spawnLocked(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	defer s.mu.Unlock()
	if attr == nil {
		attr = &syscall.ProcAttr{}
	}
	q := request{path: path, argv: argv, attr: attr, reply: make(chan result, 1)}
	if s.priv != nil {
		pass, err := s.priv.send(attr)
		if err != nil {
			return 0, nil, err
		}
		q.pass = pass
	}
	s.reqs <- q
	res := <-q.reply
	return res.pid, res.exit, res.err
}

// Pool spreads spawns over several spawning threads. A fork here waits
// until the child has exec'd (the runtime forks with CLONE_VFORK), so one
// thread starts children one exec at a time; with several, a burst (the
// scanner's first scan) starts as many at once.
type Pool struct {
	s    []*Spawner
	next atomic.Uint32
}

// NewPool starts n spawning threads (at least one).
func NewPool(r *reaper.Reaper, n int) *Pool {
	p := &Pool{}
	for i := 0; i < max(n, 1); i++ {
		p.s = append(p.s, New(r))
	}
	return p
}

// Spawn is Spawner.Spawn on an idle spawning thread, or on the next one in
// turn when all are busy.
func (p *Pool) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	for _, s := range p.s {
		if s.mu.TryLock() {
			return s.spawnLocked(path, argv, attr)
		}
	}
	s := p.s[int(p.next.Add(1))%len(p.s)]
	s.mu.Lock()
	return s.spawnLocked(path, argv, attr)
}
