// Package script parses an s6-log logging script: each argument word is one
// directive (selection, control or action), grouped into script elements.
//
// Regular expressions are POSIX EREs as s6-log reads them (glibc's regcomp
// with REG_EXTENDED|REG_NEWLINE in the C locale), compiled by logger/ere
// when the script is parsed; see that package for the syntax.
package script

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"s6box/logger/ere"
)

// Defaults and limits of the control directives (s6-log 2.11).
const (
	DefaultArchives  = 10
	DefaultMaxSize   = 99999
	MinMaxSize       = 4096
	MaxMaxSize       = 268435455
	DefaultTolerance = 2000
	DefaultCooldown  = 2000 * time.Millisecond
	DefaultAlertMax  = 200
	DefaultStatusPad = 1001
)

// SelKind is the kind of a selection directive.
type SelKind uint8

// Selection directive kinds.
const (
	SelPlus    SelKind = iota // +RE
	SelMinus                  // -RE
	SelDefault                // f
)

// Selector is one selection directive.
type Selector struct {
	Kind SelKind
	Re   *ere.Regexp // nil for f
}

// ActKind is the kind of an action directive.
type ActKind uint8

// Action directive kinds.
const (
	ActStdout ActKind = iota // 1
	ActAlert                 // 2
	ActStatus                // =FILE
	ActLogdir                // /dir or ./dir
)

// Action is one action directive with the control settings in force for it.
type Action struct {
	Kind     ActKind
	TAI      bool   // t preceded it
	ISO      bool   // T preceded it
	Prefix   string // p setting, "" = none
	AlertMax int    // E setting (alerts)
	File     string // status file (=FILE)
	Pad      int    // ^ setting (status file)
	Logdir   int    // index into Script.Logdirs
}

// Processor says how to run a logdir's processor.
type Processor struct {
	Cmd      string
	Execline bool // ! (execlineb -Pc) rather than ? (/bin/sh -c)
}

// Logdir is one logdir action with its control settings.
type Logdir struct {
	Dir         string
	Archives    int           // n
	MaxSize     int64         // s
	MaxTotal    int64         // S, 0 = unlimited
	Tolerance   int64         // l
	Cooldown    time.Duration // r
	Processor   *Processor    // nil = none
	RotateEvery time.Duration // R, 0 = never
}

// Element is a group of selection directives followed by actions.
type Element struct {
	Selectors []Selector
	Actions   []Action
}

// Script is a parsed logging script.
type Script struct {
	Elements  []Element
	Logdirs   []Logdir
	Warnings  []string
	Clock     bool // some action wants a timestamp
	Selectors bool // some element has selection directives
	Stdout    bool // some action writes to stdout
}

// Error is a script error; s6-log exits 100 on all of them.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func syntaxErr(d string) error    { return &Error{"syntax error at directive: " + d} }
func unrecognized(d string) error { return &Error{"unrecognized directive: " + d} }
func conflict(d string, c byte) error {
	return &Error{fmt.Sprintf("directive %s conflicts with previous %c directive", d, c)}
}

// uint parses a whole word of decimal digits the way s6-log does: digits
// only, at least one, no overflow.
func parseUint(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// Parse turns the directive words into a Script.
func Parse(words []string) (*Script, error) {
	sc := &Script{}
	ld := Logdir{
		Archives: DefaultArchives, MaxSize: DefaultMaxSize, Tolerance: DefaultTolerance,
		Cooldown: DefaultCooldown,
	}
	alertMax, pad, prefix := DefaultAlertMax, DefaultStatusPad, ""
	tai, iso := false, false
	var cur Element
	for _, d := range words {
		if d == "" {
			return nil, unrecognized(d)
		}
		arg := d[1:]
		switch d[0] {
		case '+', '-':
			if len(cur.Actions) > 0 {
				sc.Elements = append(sc.Elements, cur)
				cur = Element{}
			}
			re, err := ere.Compile(arg)
			if err != nil {
				return nil, unrecognized(d)
			}
			k := SelPlus
			if d[0] == '-' {
				k = SelMinus
			}
			cur.Selectors = append(cur.Selectors, Selector{Kind: k, Re: re})
		case 'f':
			if arg != "" {
				return nil, syntaxErr(d)
			}
			if len(cur.Actions) > 0 {
				sc.Elements = append(sc.Elements, cur)
				cur = Element{}
			}
			cur.Selectors = append(cur.Selectors, Selector{Kind: SelDefault})
		case 't', 'T':
			if arg != "" {
				return nil, syntaxErr(d)
			}
			if d[0] == 't' {
				tai = true
			} else {
				iso = true
			}
		case 'n', 's', 'S', 'l', 'r', 'E', '^', 'R':
			v, ok := parseUint(arg)
			if !ok {
				return nil, unrecognized(d)
			}
			switch d[0] {
			case 'n':
				if v > 1<<31 {
					v = 1 << 31
				}
				ld.Archives = int(v)
			case 's':
				v = min(max(v, MinMaxSize), MaxMaxSize)
				ld.MaxSize = int64(v)
			case 'S':
				v = min(v, 1<<62)
				ld.MaxTotal = int64(v)
			case 'l':
				if v > uint64(ld.MaxSize/2) {
					return nil, conflict(d, 's')
				}
				ld.Tolerance = int64(v)
			case 'r':
				v = min(v, 1<<40)
				ld.Cooldown = time.Duration(v) * time.Millisecond
			case 'E':
				alertMax = int(min(v, 1<<30))
			case '^':
				pad = int(min(v, 1<<30))
			case 'R':
				v = min(v, 1<<32)
				ld.RotateEvery = time.Duration(v) * time.Second
			}
		case 'p':
			prefix = arg
		case '!', '?':
			if arg == "" {
				ld.Processor = nil
			} else {
				ld.Processor = &Processor{Cmd: arg, Execline: d[0] == '!'}
			}
		case '1', '2', '=', '/', '.':
			a := Action{TAI: tai, ISO: iso, Prefix: prefix}
			switch d[0] {
			case '1', '2':
				if arg != "" {
					return nil, syntaxErr(d)
				}
				a.Kind = ActStdout
				if d[0] == '2' {
					a.Kind, a.AlertMax = ActAlert, alertMax
				} else {
					sc.Stdout = true
				}
			case '=':
				if arg == "" {
					return nil, syntaxErr(d)
				}
				a.Kind, a.File, a.Pad = ActStatus, arg, pad
			default:
				l := ld
				l.Dir = d
				a.Kind, a.Logdir = ActLogdir, len(sc.Logdirs)
				sc.Logdirs = append(sc.Logdirs, l)
			}
			sc.Clock = sc.Clock || tai || iso
			tai, iso = false, false
			cur.Actions = append(cur.Actions, a)
		default:
			return nil, unrecognized(d)
		}
	}
	if len(cur.Actions) > 0 {
		sc.Elements = append(sc.Elements, cur)
	} else if len(cur.Selectors) > 0 {
		sc.Warnings = append(sc.Warnings, "ignoring extraneous non-action directives")
	}
	if len(sc.Elements) == 0 {
		return nil, &Error{"no action directive specified"}
	}
	for _, e := range sc.Elements {
		if len(e.Selectors) > 0 {
			sc.Selectors = true
		}
	}
	return sc, nil
}

// Rebase makes the script's relative logdir and status-file paths relative
// to dir: what they mean for a logger whose working directory is dir.
func (s *Script) Rebase(dir string) {
	abs := func(p string) string {
		if p == "" || p[0] == '/' {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i := range s.Logdirs {
		s.Logdirs[i].Dir = abs(s.Logdirs[i].Dir)
	}
	for i := range s.Elements {
		for j := range s.Elements[i].Actions {
			if a := &s.Elements[i].Actions[j]; a.Kind == ActStatus {
				a.File = abs(a.File)
			}
		}
	}
}
