package execline

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PositionalNames are the environment variables execlineb pushes: a script
// run by execlineb finds its arguments in #, 0, 1, 2… and the values of an
// outer script are kept as 1:1, #:1 and so on.
var positionalPrefixes = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#"}

// ErrBadEnv is returned for an environment entry without '='.
var ErrBadEnv = errors.New("environment entry without =")

func matchPrefix(kv string, list []string) (int, bool) {
	for _, p := range list {
		if strings.HasPrefix(kv, p) {
			return len(p), true
		}
	}
	return 0, false
}

// PushEnv renames every variable whose name starts with one of the
// positional prefixes (0-9, #): NAME becomes NAME:1 and NAME:n becomes
// NAME:n+1, so new positional parameters can be set without losing the old
// ones.
func PushEnv(env []string) ([]string, error) {
	return pushEnv(env, positionalPrefixes[:])
}

// PushOptEnv is PushEnv for elgetopt's variables, those starting with
// ELGETOPT_.
func PushOptEnv(env []string) ([]string, error) {
	return pushEnv(env, []string{"ELGETOPT_"})
}

// depthMarks finds, in an environment entry whose name part starts at j
// (past its prefix), the '=' and the ':' that starts a depth suffix (-1
// when the name has none); an entry without '=' is ErrBadEnv.
func depthMarks(kv string, j int) (eq, colon int, err error) {
	eq = strings.IndexByte(kv[j:], '=')
	if eq < 0 {
		return 0, 0, ErrBadEnv
	}
	eq += j
	colon = strings.IndexByte(kv[j:eq], ':')
	if colon >= 0 {
		colon += j
	}
	return eq, colon, nil
}

func pushEnv(env []string, list []string) ([]string, error) {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		j, ok := matchPrefix(kv, list)
		if !ok {
			out = append(out, kv)
			continue
		}
		eq, colon, err := depthMarks(kv, j)
		if err != nil {
			return nil, err
		}
		if colon < 0 {
			out = append(out, kv[:eq]+":1"+kv[eq:])
			continue
		}
		n, err := strconv.ParseUint(kv[colon+1:eq], 10, 32)
		if err != nil {
			out = append(out, kv)
			continue
		}
		out = append(out, kv[:colon]+":"+strconv.FormatUint(n+1, 10)+kv[eq:])
	}
	return out, nil
}

// PopEnv undoes PushEnv for the variables starting with one of prefixes
// (positionals when pos, ELGETOPT_ when opt): NAME is removed, NAME:1
// becomes NAME, NAME:n becomes NAME:n-1.
func PopEnv(env []string, pos, opt bool) ([]string, error) {
	var list []string
	if pos {
		list = append(list, positionalPrefixes[:]...)
	}
	if opt {
		list = append(list, "ELGETOPT_")
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		j, ok := matchPrefix(kv, list)
		if !ok {
			out = append(out, kv)
			continue
		}
		eq, colon, err := depthMarks(kv, j)
		if err != nil {
			return nil, err
		}
		if colon < 0 {
			continue
		}
		n, err := strconv.ParseUint(kv[colon+1:eq], 10, 32)
		if err != nil || n == 0 {
			out = append(out, kv)
			continue
		}
		if n > 1 {
			out = append(out, kv[:colon]+":"+strconv.FormatUint(n-1, 10)+kv[eq:])
		} else {
			out = append(out, kv[:colon]+kv[eq:])
		}
	}
	return out, nil
}

// ScriptSubsts are the substitutions of execlineb -S nmin (shift false) and
// -s nmin (shift true): # is the number of arguments, 0 is dollar0, 1… the
// arguments (at least nmin of them, empty when missing), and @ all the
// arguments, or with shift those after the first nmin.
func ScriptSubsts(args []string, nmin int, dollar0 string, shift bool) []Subst {
	n := len(args)
	if nmin > n {
		n = nmin
	}
	subs := make([]Subst, 0, 3+n)
	at := args
	if shift {
		if len(args) > nmin {
			at = args[nmin:]
		} else {
			at = nil
		}
	}
	subs = append(subs,
		Subst{Name: "#", Values: []string{strconv.Itoa(len(args))}},
		Subst{Name: "0", Values: []string{dollar0}},
		Subst{Name: "@", Values: at})
	for i := 0; i < n; i++ {
		v := ""
		if i < len(args) {
			v = args[i]
		}
		subs = append(subs, Subst{Name: strconv.Itoa(i + 1), Values: []string{v}})
	}
	return subs
}

// TooFewError is execline's complaint about fewer positional parameters
// than the script needs.
type TooFewError struct {
	Got, Want int
	Verb      string // "expecting" (execlineb) or "expected" (elgetpositionals)
}

func (e *TooFewError) Error() string {
	return fmt.Sprintf("too few arguments: %s at least %d but got %d", e.Verb, e.Want, e.Got)
}

// ErrBadKey is the substitution engine's "bad substitution key": an empty
// or already defined name, or positional parameters missing from the
// environment.
var ErrBadKey = errors.New("bad substitution key")

// EnvPositionals are elgetpositionals' substitutions, read from the
// environment through getenv: #, 0, 1…max(#, nmin) (empty past #) and @.
// It returns ErrBadKey when # is unset or invalid, or a positional is
// missing, and the number of arguments.
func EnvPositionals(getenv func(string) (string, bool), nmin int, have func(string) bool) ([]Subst, int, error) {
	x, ok := getenv("#")
	if !ok {
		return nil, 0, ErrBadKey
	}
	n64, err := strconv.ParseUint(x, 10, 31)
	if err != nil {
		return nil, 0, ErrBadKey
	}
	n := int(n64)
	if have("#") || have("@") {
		return nil, 0, ErrBadKey
	}
	subs := []Subst{{Name: "#", Values: []string{x}}}
	tot := n
	if nmin > tot {
		tot = nmin
	}
	var vals []string
	for i := 0; i <= tot; i++ {
		name := strconv.Itoa(i)
		if have(name) {
			return nil, 0, ErrBadKey
		}
		v := ""
		if i <= n {
			if v, ok = getenv(name); !ok {
				return nil, 0, ErrBadKey
			}
		}
		subs = append(subs, Subst{Name: name, Values: []string{v}})
		if i >= 1 && i <= n {
			vals = append(vals, v)
		}
	}
	subs = append(subs, Subst{Name: "@", Values: vals})
	return subs, n, nil
}
