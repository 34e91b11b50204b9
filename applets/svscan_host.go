package applets

import (
	"syscall"

	"s6box/core/memtrim"
	"s6box/core/pdeath"
	"s6box/core/reaper"
	"s6box/core/scanner"
	"s6box/core/supervisor"
	"s6box/logger/loghost"
)

// spawnThreads is how many threads fork the in-process host's children:
// a thread waits for each child's exec, and a scan starts several
// supervisors at once.
const spawnThreads = 4

// newInProcessHost hosts every supervisor in the scanner process; children
// are forked with a parent-death signal (core/pdeath) so that a scanner
// killed with SIGKILL takes its daemons with it. Loggers whose run script
// is a plain s6-log command line run in the scanner too (logger/loghost).
// It is called at start-up, before anything creates files: reading the
// umask means setting it for a moment.
// Every spawn touches trim: a burst of daemons started (s6-rc bringing its
// services up) is followed by a release of the memory it took.
func newInProcessHost(r *reaper.Reaper, self string, logf func(string, string, ...any), trim *memtrim.Trimmer) scanner.Host {
	um := syscall.Umask(0)
	syscall.Umask(um)
	lp := newLogPlanner(self, um)
	return &scanner.InProcessHost{
		Spawner: touchingSpawner{pdeath.NewPool(r, spawnThreads), trim},
		Logf:    logf,
		Loggers: &loghost.Host{Plan: lp.Plan, Logf: logf},
	}
}

// touchingSpawner is a Spawner that touches a Trimmer at each spawn.
type touchingSpawner struct {
	supervisor.Spawner
	trim *memtrim.Trimmer
}

func (t touchingSpawner) Spawn(path string, argv []string, attr *syscall.ProcAttr) (int, <-chan reaper.Exit, error) {
	t.trim.Touch()
	return t.Spawner.Spawn(path, argv, attr)
}
