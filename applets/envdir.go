package applets

import (
	"errors"
	"os"

	"s6box/core/envdir"
)

// envdirMain: envdir [ -I | -i ] [ -n ] [ -f ] [ -L ] [ -c nullis ] dir prog...
func envdirMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("IinfLc:")
	if !ok {
		return code
	}
	var o envdir.Options
	insist := true
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
				return c.Fatal(ExitSystem, "invalid -c argument: the null replacement must be one character: %v", errInval)
			}
			o.NulIs = op.Value[0]
		}
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

// isMissingDir tells -I's "the directory does not exist" (ENOENT on the
// directory itself) from a vanished entry inside it.
func isMissingDir(dir string) bool {
	_, err := os.Lstat(dir)
	return errors.Is(err, os.ErrNotExist)
}
