package applets

import (
	"syscall"

	"s6box/core/pdeath"
	"s6box/core/reaper"
	"s6box/core/scanner"
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
func newInProcessHost(r *reaper.Reaper, self string, logf func(string, string, ...any)) scanner.Host {
	um := syscall.Umask(0)
	syscall.Umask(um)
	lp := newLogPlanner(self, um)
	return &scanner.InProcessHost{
		Spawner: pdeath.NewPool(r, spawnThreads),
		Logf:    logf,
		Loggers: &loghost.Host{Plan: lp.Plan, Logf: logf},
	}
}
