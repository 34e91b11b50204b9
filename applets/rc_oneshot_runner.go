package applets

import (
	"fmt"
	"os"

	"s6box/core/reaper"
	"s6box/rcdb/runner"
	"s6box/rcdb/usock"
)

// rcOneshotRunnerMain is the run program of the s6rc-oneshot-runner longrun
// (its service directory's run file is "#!SELF rc-oneshot-runner"): it
// serves the socket "s" in the current directory, signals readiness on fd 3
// and runs oneshots for rc.
func rcOneshotRunnerMain(c *Ctx) int {
	ln, err := listenReady()
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	// The live directory is ../.. relative to the current directory, which
	// follows this service directory when rc-update moves it.
	s := &runner.Server{Live: "../..", Reaper: reaper.Start(nil), Env: os.Environ(),
		Self: c.Self(), IsApplet: func(n string) bool { return Find(Table(), n) != nil }}
	if err := s.Serve(ln); err != nil {
		return c.Fatal(ExitSystem, "unable to accept connections: %v", err)
	}
	return 0
}

// listenReady is the start of both internal rc services: listen on the socket
// "s" in the service directory, then signal readiness on fd 3 (their
// notification-fd), so rc never connects before the socket exists.
func listenReady() (*usock.Listener, error) {
	ln, err := usock.Listen("s")
	if err != nil {
		return nil, fmt.Errorf("unable to listen on s: %w", err)
	}
	if f := os.NewFile(3, "notification"); f != nil {
		f.Write([]byte("\n"))
		f.Close()
	}
	return ln, nil
}
