package applets

import (
	"errors"
	"fmt"
	"strings"

	"s6box/core/fsutil"
	"s6box/core/status"
	"s6box/core/svstat"
	"s6box/core/tai64n"
)

// svstatMain prints one line per servicedir. With one servicedir the output
// is s6-svstat's; with several, each line is prefixed by "DIR: " (s6 would
// ignore the extra ones). --json (first argument) or -j prints one JSON
// object per line instead.
func svstatMain(c *Ctx) int {
	jsonMode := false
	if len(c.Args) > 0 && c.Args[0] == "--json" {
		jsonMode = true
		c.Args = c.Args[1:]
	}
	opts, dirs, code, ok := c.Getopt("no:uwNrpestj")
	if !ok {
		return code
	}
	numeric := false
	var fields []svstat.Field
	for _, o := range opts {
		var err error
		switch o.Letter {
		case 'n':
			numeric = true
		case 'j':
			jsonMode = true
		case 'o':
			fields, err = svstat.ParseFields(o.Value, fields)
		default:
			f, _ := svstat.LetterField(o.Letter)
			fields, err = svstat.AddField(fields, f)
		}
		if err != nil {
			return c.Fatal(ExitUsage, "%v", err)
		}
	}
	if len(dirs) == 0 {
		return c.UsageFail("")
	}
	if jsonMode && len(fields) > 0 {
		return c.UsageFail("--json/-j cannot be combined with fields")
	}
	many := len(dirs) > 1
	var out strings.Builder
	worst := 0
	for _, d := range dirs {
		line, code, err := svstatOne(d, jsonMode, numeric, fields)
		if err != nil {
			worst = max(worst, code)
			if many {
				c.Warn("%v", err)
			} else {
				fmt.Fprint(c.Stdout, out.String())
				return c.Fatal(code, "%v", err)
			}
			continue
		}
		if many && !jsonMode {
			out.WriteString(d)
			out.WriteString(": ")
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if _, err := fmt.Fprint(c.Stdout, out.String()); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %v", fsutil.Bare(err))
	}
	return worst
}

// svstatOne renders one servicedir, returning the exit code for an error:
// 1 when no supervisor runs, 111 otherwise.
func svstatOne(dir string, jsonMode, numeric bool, fields []svstat.Field) (string, int, error) {
	in, err := svstat.Load(dir, tai64n.Now())
	if err != nil {
		if errors.Is(err, svstat.ErrNotRunning) {
			return "", 1, err
		}
		return "", ExitSystem, err
	}
	switch {
	case jsonMode:
		deaths, err := status.ReadDeaths(dir)
		if err != nil {
			return "", ExitSystem, fmt.Errorf("unable to read death tally for %s: %w", dir, fsutil.Bare(err))
		}
		b, err := svstat.NewRecord(dir, in, len(deaths)).JSON()
		if err != nil {
			return "", ExitSystem, err
		}
		return string(b), 0, nil
	case len(fields) > 0:
		return svstat.Fields(in, fields), 0, nil
	}
	return svstat.Human(in, numeric), 0, nil
}
