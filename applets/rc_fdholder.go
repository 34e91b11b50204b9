package applets

import (
	"os"

	"s6box/rcdb/compile"
	"s6box/rcdb/fdholder"
)

// rcFdholderMain is the run program of the s6rc-fdholder longrun: it holds
// one pipe per pipeline consumer listed in data/consumers and serves them on
// the socket "s"; readiness is signalled on fd 3.
func rcFdholderMain(c *Ctx) int {
	b, err := os.ReadFile("data/consumers")
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read data/consumers: %v", err)
	}
	h, err := fdholder.New(compile.ParseList(b))
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	ln, err := listenReady()
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	if err := h.Serve(ln); err != nil {
		return c.Fatal(ExitSystem, "unable to accept connections: %v", err)
	}
	return 0
}
