package applets

import (
	"s6box/core/reaper"
	"s6box/core/scanner"
)

// newInProcessHost: until core/supervisor lands, in-process hosting falls
// back to process mode with our own supervise.
func newInProcessHost(r *reaper.Reaper, logf func(string, string, ...any)) scanner.Host {
	logf("warning", "in-process hosting is not available in this build: using process mode")
	return nil
}
