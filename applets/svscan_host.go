package applets

import (
	"s6box/core/pdeath"
	"s6box/core/reaper"
	"s6box/core/scanner"
)

// newInProcessHost hosts every supervisor in the scanner process; children
// are forked with a parent-death signal (core/pdeath) so that a scanner
// killed with SIGKILL takes its daemons with it.
func newInProcessHost(r *reaper.Reaper, logf func(string, string, ...any)) scanner.Host {
	return &scanner.InProcessHost{Spawner: pdeath.New(r), Logf: logf}
}
