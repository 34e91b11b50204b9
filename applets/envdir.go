package applets

import (
	"errors"
	"os"

	"s6box/applets/getopt"
	"s6box/core/envdir"
)

// envdirMain: envdir [ -I | -i ] [ -n ] [ -f ] [ -L ] [ -c nullis ] dir prog...
func envdirMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("IinfLc:")
	if !ok {
		return code
	}
	o, insist, ok := envdirOptions(opts)
	if !ok {
		return c.Fatal(ExitSystem, "invalid -c argument: the null replacement must be one character: %v", errInval)
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	changes, err := envdir.Read(rest[0], o)
	if err != nil {
		if !insist && errors.Is(err, os.ErrNotExist) && isMissingDir(rest[0]) {
			return c.Exec(rest[1:])
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	for _, ch := range changes {
		if ch.Unset {
			os.Unsetenv(ch.Name)
		} else if err := os.Setenv(ch.Name, ch.Value); err != nil {
			return c.Fatal(ExitSystem, "unable to set %s: %v", ch.Name, err)
		}
	}
	return c.Exec(rest[1:])
}

// envdirOptions reads envdir's switches; false for an empty -c.
func envdirOptions(opts []getopt.Opt) (o envdir.Options, insist, ok bool) {
	insist = true
	for _, op := range opts {
		switch op.Letter {
		case 'I':
			insist = false
		case 'i':
			insist = true
		case 'n':
			o.NoChomp = true
		case 'f':
			o.WholeFile = true
		case 'L':
			o.NoLimit = true
		case 'c':
			if op.Value == "" {
				return o, insist, false
			}
			o.NulIs = op.Value[0]
		}
	}
	return o, insist, true
}

// isMissingDir tells -I's "the directory does not exist" (ENOENT on the
// directory itself) from a vanished entry inside it.
func isMissingDir(dir string) bool {
	_, err := os.Lstat(dir)
	return errors.Is(err, os.ErrNotExist)
}
