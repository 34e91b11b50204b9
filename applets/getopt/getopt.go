// Package getopt parses command lines the way skalibs' subgetopt does, which is
// POSIX getopt: short options only, clustering (-bDa), option values attached
// (-v2, -T5000) or in the next word (-T 5000), and parsing stops at the first
// word that is not an option or at "--".
//
// The result keeps the options in command-line order, because several s6
// programs (s6-svc, s6-softlimit, s6-log's options) give meaning to order.
package getopt

import (
	"fmt"
	"strconv"
)

// Opt is one parsed option.
type Opt struct {
	Letter byte
	Value  string // only for options that take a value
}

// UsageError is returned for a malformed command line; applets exit 100 on it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Parse parses args (without the program name) according to spec. In spec,
// every letter is an accepted option and a letter followed by ':' takes a
// value, as in getopt(3). It returns the options in order and the remaining
// operands.
func Parse(args []string, spec string) ([]Opt, []string, error) {
	var opts []Opt
	i := 0
	for i < len(args) {
		w := args[i]
		if w == "--" {
			i++
			break
		}
		if len(w) < 2 || w[0] != '-' {
			break
		}
		for j := 1; j < len(w); j++ {
			c := w[j]
			takes, ok := lookup(spec, c)
			if !ok {
				return nil, nil, &UsageError{Msg: fmt.Sprintf("unknown option -%c", c)}
			}
			if !takes {
				opts = append(opts, Opt{Letter: c})
				continue
			}
			if j+1 < len(w) {
				opts = append(opts, Opt{Letter: c, Value: w[j+1:]})
			} else if i+1 < len(args) {
				i++
				opts = append(opts, Opt{Letter: c, Value: args[i]})
			} else {
				return nil, nil, &UsageError{Msg: fmt.Sprintf("option -%c requires an argument", c)}
			}
			break
		}
		i++
	}
	return opts, args[i:], nil
}

func lookup(spec string, c byte) (takesValue, ok bool) {
	if c == ':' {
		return false, false
	}
	for k := 0; k < len(spec); k++ {
		if spec[k] == c {
			return k+1 < len(spec) && spec[k+1] == ':', true
		}
	}
	return false, false
}

// Normalize rewrites args into one option per word with values in separate
// words ("-bDa" becomes "-b -D -a", "-v2" becomes "-v 2"), followed by "--"
// and the operands. The result is what a flag library such as urfave/cli can
// read without mis-parsing s6 syntax.
func Normalize(args []string, spec string) ([]string, error) {
	opts, rest, err := Parse(args, spec)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, 2*len(opts)+1+len(rest))
	for _, o := range opts {
		out = append(out, "-"+string(o.Letter))
		if t, _ := lookup(spec, o.Letter); t {
			out = append(out, o.Value)
		}
	}
	out = append(out, "--")
	return append(out, rest...), nil
}

// Uint parses an unsigned decimal option value, naming the option on error.
func Uint(o Opt) (uint64, error) {
	n, err := strconv.ParseUint(o.Value, 10, 64)
	if err != nil {
		return 0, &UsageError{Msg: fmt.Sprintf("invalid value for -%c: %q", o.Letter, o.Value)}
	}
	return n, nil
}

// Int parses a signed decimal option value, naming the option on error.
func Int(o Opt) (int64, error) {
	n, err := strconv.ParseInt(o.Value, 10, 64)
	if err != nil {
		return 0, &UsageError{Msg: fmt.Sprintf("invalid value for -%c: %q", o.Letter, o.Value)}
	}
	return n, nil
}
