// Package rccmd implements the subcommands of s6-rc (help, list, listall,
// diff, change, start, stop, reload) and our extensions (restart, compile)
// on top of the live directory and the engine.
package rccmd

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"s6box/core/jsontext"
	"sync"
	"syscall"
	"time"

	"s6box/core/status"
	"s6box/core/svc"
	"s6box/rcdb"
	"s6box/rcdb/engine"
	"s6box/rcdb/live"
	"s6box/rcdb/runner"
)

// Options of s6-rc.
type Options struct {
	Prog      string
	Live      string
	Block     bool
	Add       bool // -a
	Down      bool // -d / -D
	Force     bool // -D / -e: force essentials down, or hide them in lists
	Prune     bool
	Verbosity int
	DryRun    bool
	DrySleep  time.Duration
	Timeout   time.Duration
	NoLock    bool
	JSON      bool
	Stdin     *os.File
	Stdout    io.Writer
	Stderr    io.Writer
	StdoutF   *os.File
	StderrF   *os.File
}

// Help is the text of `s6-rc help`.
const Help = `PROG help
PROG [ -l live ] [ -a ] [ -u | -d ] [ -e ] [ --json ] list [ servicenames... ]
PROG [ -l live ] [ -a ] [ -u | -d ] [ -e ] [ --json ] listall [ servicenames... ]
PROG [ -l live ] diff
PROG [ -l live ] [ -b ] [ -a ] [ -u | -d | -D ] [ -p ] [ -v verbosity ] [ -n dryrunthrottle ] [ -t timeout ] change [ servicenames... ]
PROG [ -l live ] [ -b ] [ -v verbosity ] [ -t timeout ] start|stop|reload|restart servicenames...
PROG [ -l live ] compile source...
PROG [ -l live ] [ -b ] [ -v verbosity ] [ -t timeout ] update source...
`

func (o *Options) fatal(code int, format string, a ...any) int {
	fmt.Fprintf(o.Stderr, "%s: fatal: %s\n", o.Prog, fmt.Sprintf(format, a...))
	return code
}

func (o *Options) fail(err error) int {
	if re, ok := err.(*rcdb.Error); ok {
		return o.fatal(re.Code, "%s", re.Msg)
	}
	return o.fatal(111, "%v", err)
}

// Run executes one subcommand.
func Run(o *Options, cmd string, names []string) int {
	exclusive := false
	switch cmd {
	case "list", "listall", "diff":
	case "change", "reload", "restart":
		exclusive = true
	case "start":
		exclusive, o.Down, o.Prune = true, false, false
		cmd = "change"
	case "stop":
		exclusive, o.Down, o.Prune = true, true, false
		cmd = "change"
	default:
		return o.fatal(100, "unknown command: %s", cmd)
	}
	l, err := live.Open(o.Live, live.Options{Exclusive: exclusive, Block: o.Block, NoLock: o.NoLock})
	if err != nil {
		return o.fail(err)
	}
	defer l.Close()
	if cmd == "diff" {
		return diff(o, l)
	}
	db := l.DB
	n := len(db.Atoms)
	sel := make([]bool, n)
	for _, name := range names {
		atoms, ok := db.Resolve(name)
		if !ok {
			return o.fatal(3, "%s is not a recognized identifier in %s/compiled", name, o.Live)
		}
		for _, i := range atoms {
			sel[i] = true
			if cmd == "change" {
				if o.Down {
					l.State[i] &^= live.StateWanted
				} else {
					l.State[i] |= live.StateWanted
				}
			}
		}
	}
	if o.Add {
		for i := range sel {
			if l.Up(i) {
				sel[i] = true
			}
		}
	}
	switch cmd {
	case "list":
		if o.Down {
			for i := range sel {
				sel[i] = !sel[i]
			}
		}
		return list(o, l, sel)
	case "listall":
		engine.Closure(db, sel, !o.Down)
		return list(o, l, sel)
	case "reload":
		return reload(o, l, sel)
	case "restart":
		return restart(o, l, sel)
	}
	return change(o, l, sel)
}

type entry struct {
	Name      string
	Type      string
	Up        bool
	Essential bool
}

func list(o *Options, l *live.Live, sel []bool) int {
	var out []entry
	for i, s := range sel {
		a := &l.DB.Atoms[i]
		if !s || o.Force && a.Flags&rcdb.FlagEssential != 0 {
			continue
		}
		out = append(out, entry{a.Name, a.Type, l.Up(i), a.Flags&rcdb.FlagEssential != 0})
	}
	if o.JSON {
		w := jsontext.NewIndent("  ")
		w.BeginArray()
		for _, e := range out {
			w.BeginObject()
			w.StringMember("name", e.Name)
			w.StringMember("type", e.Type)
			w.BoolMember("up", e.Up)
			w.BoolMember("essential", e.Essential)
			w.EndObject()
		}
		w.EndArray()
		fmt.Fprintf(o.Stdout, "%s\n", w.B)
		return 0
	}
	for _, e := range out {
		fmt.Fprintln(o.Stdout, e.Name)
	}
	return 0
}

func diff(o *Options, l *live.Live) int {
	code := 0
	for i := 0; i < l.DB.NLong; i++ {
		a := &l.DB.Atoms[i]
		st, err := status.Read(l.ServiceDir(a.Name))
		if err != nil {
			fmt.Fprintf(o.Stderr, "%s: warning: unable to read status of %s: %v\n", o.Prog, a.Name, rcdb.Unwrap(err))
			continue
		}
		switch {
		case st.WantUp && !l.Up(i):
			fmt.Fprintf(o.Stdout, "+%s\n", a.Name)
			code = 1
		case !st.WantUp && l.Up(i):
			fmt.Fprintf(o.Stdout, "-%s\n", a.Name)
			code = 1
		}
	}
	return code
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (o *Options) engine(l *live.Live, sigs <-chan string) *engine.Engine {
	e := &engine.Engine{Live: l, Prog: o.Prog, Stderr: o.Stderr, Verbosity: o.Verbosity,
		DryRun: o.DryRun, Force: o.Force, Signals: sigs}
	if o.Timeout > 0 {
		e.Deadline = time.Now().Add(o.Timeout)
	}
	if o.DryRun {
		e.Act = &engine.DryRun{Live: l, Prog: o.Prog, Stdout: &syncWriter{w: o.Stdout}, Verbosity: o.Verbosity, Sleep: o.DrySleep}
	} else {
		e.Act = &engine.Real{Live: l, Stdio: [3]*os.File{o.Stdin, o.StdoutF, o.StderrF}}
	}
	return e
}

// watchSignals turns SIGTERM/SIGINT into names on a channel.
func watchSignals() (<-chan string, func()) {
	c := make(chan os.Signal, 2)
	out := make(chan string, 2)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-c:
				name := "TERM"
				if s == syscall.SIGINT {
					name = "INT"
				}
				out <- name
			case <-stop:
				return
			}
		}
	}()
	return out, func() { signal.Stop(c); close(stop) }
}

func change(o *Options, l *live.Live, sel []bool) int {
	up := !o.Down
	engine.Closure(l.DB, sel, up)
	if !o.DryRun {
		if err := l.WriteState(); err != nil { // the "wanted" bits
			return o.fail(err)
		}
	}
	sigs, stop := watchSignals()
	defer stop()
	e := o.engine(l, sigs)
	if !o.Prune {
		code, err := e.Change(sel, up)
		return result(o, code, err)
	}
	inv := make([]bool, len(sel))
	for i := range sel {
		inv[i] = !sel[i]
	}
	first, second := inv, sel // -pu: stop the complement, then start
	if !up {
		first, second = sel, inv // -pd: stop the closure, then start the rest
	}
	code, err := e.Change(first, false)
	if err != nil || code != 0 {
		return result(o, code, err)
	}
	code, err = e.Change(second, true)
	return result(o, code, err)
}

func result(o *Options, code int, err error) int {
	if err != nil {
		return o.fail(err)
	}
	return code
}

func reload(o *Options, l *live.Live, sel []bool) int {
	type res struct {
		i  int
		oc engine.Outcome
	}
	ch := make(chan res)
	count := 0
	for i, s := range sel {
		if !s {
			continue
		}
		count++
		go func(i int) {
			a := &l.DB.Atoms[i]
			if a.Type == rcdb.Longrun {
				err := svc.Write(l.ServiceDir(a.Name), []byte("h"))
				code := 0
				if err != nil {
					code = 111
				}
				ch <- res{i, engine.Outcome{Code: code, Err: err}}
				return
			}
			var timeout time.Duration
			if o.Timeout > 0 {
				timeout = o.Timeout
			} else if a.TimeoutUp > 0 {
				timeout = time.Duration(a.TimeoutUp) * time.Millisecond
			}
			r := runner.Run(engine.RunnerSocket(l), "reload", i, [3]*os.File{o.Stdin, o.StdoutF, o.StderrF}, timeout)
			ch <- res{i, engine.Outcome{Code: r.Code, Signal: r.Signal, Err: r.Err}}
		}(i)
	}
	code := 0
	for ; count > 0; count-- {
		r := <-ch
		name := l.DB.Atoms[r.i].Name
		if r.oc.Code == 0 && r.oc.Signal == 0 {
			if o.Verbosity >= 2 {
				fmt.Fprintf(o.Stderr, "%s: info: service %s successfully reloaded\n", o.Prog, name)
			}
			continue
		}
		code = 1
		if o.Verbosity >= 1 {
			fmt.Fprintf(o.Stderr, "%s: warning: unable to reload service %s: %s\n", o.Prog, name, how(r.oc))
		}
	}
	return code
}

func how(oc engine.Outcome) string {
	s := fmt.Sprintf("command exited %d", oc.Code)
	if oc.Signal != 0 {
		s = fmt.Sprintf("command crashed with signal %d", oc.Signal)
	}
	if oc.Err != nil {
		s += " (" + oc.Err.Error() + ")"
	}
	return s
}

// restart stops then starts each selected atom that is up, without touching
// its dependents: a longrun is cycled through its supervisor, a oneshot runs
// its down then its up script. The state stays "up" unless the start fails.
func restart(o *Options, l *live.Live, sel []bool) int {
	act := &engine.Real{Live: l, Stdio: [3]*os.File{o.Stdin, o.StdoutF, o.StderrF}}
	code := 0
	for i, s := range sel {
		a := &l.DB.Atoms[i]
		if !s {
			continue
		}
		if !l.Up(i) {
			if o.Verbosity >= 1 {
				fmt.Fprintf(o.Stderr, "%s: warning: service %s is not up, not restarting it\n", o.Prog, a.Name)
			}
			continue
		}
		if o.Verbosity >= 2 {
			fmt.Fprintf(o.Stderr, "%s: info: service %s: restarting\n", o.Prog, a.Name)
		}
		oc := act.Run(i, false, time.Duration(a.TimeoutDown)*time.Millisecond, nil)
		verb := "stop"
		if oc.Code == 0 && oc.Signal == 0 {
			verb = "start"
			oc = act.Run(i, true, time.Duration(a.TimeoutUp)*time.Millisecond, nil)
		}
		if oc.Code != 0 || oc.Signal != 0 {
			code = 1
			if verb == "start" {
				l.State[i] &^= live.StateUp
				if a.Type == rcdb.Longrun {
					act.Failed(i)
					os.WriteFile(filepath.Join(l.ServiceDir(a.Name), "down"), nil, 0o644)
				}
				if err := l.WriteState(); err != nil {
					return o.fail(err)
				}
			}
			fmt.Fprintf(o.Stderr, "%s: warning: unable to %s service %s: %s\n", o.Prog, verb, a.Name, how(oc))
			continue
		}
		if o.Verbosity >= 2 {
			fmt.Fprintf(o.Stderr, "%s: info: service %s successfully restarted\n", o.Prog, a.Name)
		}
	}
	return code
}
