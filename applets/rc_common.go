package applets

import (
	"errors"
	"strconv"
	"strings"

	"s6box/rcdb"
)

// rcLongOpts rewrites s6-rc's long options (--name or --name=value) into
// their short forms before getopt sees them; parsing still stops at the
// first operand or "--".
func rcLongOpts(args []string, table map[string]string, spec string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return append(out, args[i:]...), nil
		}
		if !strings.HasPrefix(a, "--") {
			out = append(out, a)
			// a value-taking letter at the end of a cluster eats the next word
			for k := 1; k < len(a); k++ {
				p := strings.IndexByte(spec, a[k])
				if p >= 0 && p+1 < len(spec) && spec[p+1] == ':' {
					if k == len(a)-1 && i+1 < len(args) {
						i++
						out = append(out, args[i])
					}
					break
				}
			}
			continue
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		short, ok := table[name]
		if !ok {
			return nil, errors.New("unknown option --" + name)
		}
		if strings.HasSuffix(short, ":") {
			if !hasVal {
				return nil, errors.New("option --" + name + " needs a value (--" + name + "=VALUE)")
			}
			out = append(out, "-"+short[:1], val)
		} else {
			if hasVal {
				return nil, errors.New("option --" + name + " takes no value")
			}
			out = append(out, "-"+short)
		}
	}
	return out, nil
}

// rcUint parses an unsigned option value.
func rcUint(c *Ctx, what, v string) (uint64, bool) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		c.UsageFail(what + " must be an unsigned integer")
		return 0, false
	}
	return n, true
}

// rcFail maps an error from rcdb to its message and exit code.
func rcFail(c *Ctx, err error) int {
	var re *rcdb.Error
	if errors.As(err, &re) {
		return c.Fatal(re.Code, "%s", re.Msg)
	}
	return c.Fatal(ExitSystem, "%v", err)
}
