package applets

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"s6box/core/jsontext"
	"s6box/rcdb"
	"s6box/rcdb/engine"
	"s6box/rcdb/live"
)

// rcOptions are s6-rc's options.
type rcOptions struct {
	live      string
	block     bool
	add       bool // -a
	down      bool // -d / -D
	force     bool // -D / -e: force essentials down, or hide them in lists
	prune     bool
	verbosity int
	dryRun    bool
	drySleep  time.Duration
	timeout   time.Duration
	noLock    bool
	json      bool
	stdio     [3]*os.File // for the oneshots' scripts
}

// rcHelp is the text of `s6-rc help`.
const rcHelp = `PROG help
PROG [ -l live ] [ -a ] [ -u | -d ] [ -e ] [ --json ] list [ servicenames... ]
PROG [ -l live ] [ -a ] [ -u | -d ] [ -e ] [ --json ] listall [ servicenames... ]
PROG [ -l live ] diff
PROG [ -l live ] [ -b ] [ -a ] [ -u | -d | -D ] [ -p ] [ -v verbosity ] [ -n dryrunthrottle ] [ -t timeout ] change [ servicenames... ]
PROG [ -l live ] [ -b ] [ -v verbosity ] [ -t timeout ] start|stop|reload|restart servicenames...
PROG [ -l live ] compile source...
PROG [ -l live ] [ -b ] [ -v verbosity ] [ -t timeout ] update source...
`

func rcMain(c *Ctx) int {
	o, rest, code, ok := rcParse(c)
	if !ok {
		return code
	}
	if len(rest) == 0 {
		return c.UsageFail("")
	}
	switch rest[0] {
	case "help":
		fmt.Fprint(c.Stdout, strings.ReplaceAll(rcHelp, "PROG", c.Prog))
		return 0
	case "compile":
		return rcCompileSub(c, o, rest[1:])
	case "update":
		return rcUpdateSub(c, o, rest[1:])
	}
	return rcLive(c, o, rest[0], rest[1:])
}

// rcParse reads s6-rc's options, long ones included.
func rcParse(c *Ctx) (*rcOptions, []string, int, bool) {
	const spec = "l:baudDpeEv:n:t:NJ"
	args, err := rcLongOpts(c.Args, map[string]string{"livedir": "l:", "block": "b", "add": "a", "up": "u",
		"down": "d", "all-down": "D", "prune": "p", "without-essentials": "e", "with-essentials": "E",
		"verbosity": "v:", "dry-run": "n:", "timeout": "t:", "no-lock": "N", "json": "J"}, spec)
	if err != nil {
		return nil, nil, c.UsageFail(err.Error()), false
	}
	c.Args = args
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return nil, nil, code, false
	}
	o := &rcOptions{live: "/run/s6-rc", verbosity: 1, stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}}
	for _, op := range opts {
		switch op.Letter {
		case 'l':
			o.live = op.Value
		case 'b':
			o.block = true
		case 'a':
			o.add = true
		case 'u':
			o.down = false
		case 'd':
			o.down = true
		case 'D':
			o.down, o.force = true, true
		case 'p':
			o.prune = true
		case 'e':
			o.force = true
		case 'E':
			o.force = false
		case 'v', 'n', 't':
			v, ok := rcUint(c, map[byte]string{'v': "verbosity", 'n': "dry-run throttle", 't': "timeout"}[op.Letter], op.Value)
			if !ok {
				return nil, nil, ExitUsage, false
			}
			switch op.Letter {
			case 'v':
				o.verbosity = int(v)
			case 'n':
				o.dryRun, o.drySleep = true, time.Duration(v)*time.Millisecond
			case 't':
				o.timeout = time.Duration(v) * time.Millisecond
			}
		case 'N':
			o.noLock = true
		case 'J':
			o.json = true
		}
	}
	return o, rest, 0, true
}

// rcCommand is one s6-rc subcommand working on the live directory: whether
// it changes the state (and so takes the lock exclusively), whether it
// works on a selection of services (and whether naming them marks them
// wanted), and what it does.
type rcCommand struct {
	name      string
	exclusive bool
	selects   bool
	marks     bool
	run       func(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int
}

var rcCommands = []rcCommand{
	{"list", false, true, false, rcList},
	{"listall", false, true, false, rcListAll},
	{"diff", false, false, false, rcDiff},
	{"change", true, true, true, rcChange},
	{"start", true, true, true, rcChange}, // rcLive forces -u
	{"stop", true, true, true, rcChange},  // rcLive forces -d
	{"reload", true, true, false, rcReload},
	{"restart", true, true, false, rcRestart},
}

// rcLive opens the live directory and runs one subcommand on it.
func rcLive(c *Ctx, o *rcOptions, name string, names []string) int {
	var cmd *rcCommand
	for i := range rcCommands {
		if rcCommands[i].name == name {
			cmd = &rcCommands[i]
		}
	}
	if cmd == nil {
		return c.Fatal(ExitUsage, "unknown command: %s", name)
	}
	switch name { // start and stop are change with a forced direction
	case "start":
		o.down, o.prune = false, false
	case "stop":
		o.down, o.prune = true, false
	}
	l, err := live.Open(o.live, live.Options{Exclusive: cmd.exclusive, Block: o.block, NoLock: o.noLock})
	if err != nil {
		return rcFail(c, err)
	}
	defer l.Close()
	var sel []bool
	if cmd.selects {
		if sel, err = l.Select(names); err != nil {
			return rcFail(c, err)
		}
		if cmd.marks {
			l.MarkWanted(sel, !o.down)
		}
		if o.add {
			l.AddUp(sel)
		}
	}
	return cmd.run(c, o, l, sel)
}

// rcList prints the selected services (with -d, the others).
func rcList(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	if o.down {
		for i := range sel {
			sel[i] = !sel[i]
		}
	}
	return rcPrintList(c, o, l, sel)
}

// rcListAll prints the selected services with their dependencies (with
// -d, their dependents).
func rcListAll(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	engine.Closure(l.DB, sel, !o.down)
	return rcPrintList(c, o, l, sel)
}

// rcPrintList prints one name per line, or with --json an array of
// {name, type, up, essential}; -e hides the essential services.
func rcPrintList(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	var w *jsontext.Writer
	if o.json {
		w = jsontext.NewIndent("  ")
		w.BeginArray()
	}
	for i, s := range sel {
		a := &l.DB.Atoms[i]
		essential := a.Flags&rcdb.FlagEssential != 0
		if !s || o.force && essential {
			continue
		}
		if w == nil {
			fmt.Fprintln(c.Stdout, a.Name)
			continue
		}
		w.BeginObject()
		w.StringMember("name", a.Name)
		w.StringMember("type", a.Type)
		w.BoolMember("up", l.Up(i))
		w.BoolMember("essential", essential)
		w.EndObject()
	}
	if w != nil {
		w.EndArray()
		fmt.Fprintf(c.Stdout, "%s\n", w.B)
	}
	return 0
}

// rcDiff prints +NAME for a longrun its supervisor wants up while s6-rc
// has it down, -NAME for the opposite; exit 1 if there is any.
func rcDiff(c *Ctx, o *rcOptions, l *live.Live, _ []bool) int {
	drifts := l.Drifts(func(name string, err error) {
		c.Warn("unable to read status of %s: %v", name, err)
	})
	for _, d := range drifts {
		sign := "-"
		if d.WantUp {
			sign = "+"
		}
		fmt.Fprintf(c.Stdout, "%s%s\n", sign, d.Name)
	}
	if len(drifts) > 0 {
		return 1
	}
	return 0
}

// rcChange brings the selection up or down; TERM and INT make the engine
// a lame duck.
func rcChange(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	sigs, stop := rcWatchSignals()
	defer stop()
	e := &engine.Engine{Messages: rcMessages(c, o), Live: l, DryRun: o.dryRun, Force: o.force, Signals: sigs}
	if o.timeout > 0 {
		e.Deadline = time.Now().Add(o.timeout)
	}
	if o.dryRun {
		e.Act = &engine.DryRun{Live: l, Prog: c.Prog, Stdout: c.Stdout, Verbosity: o.verbosity, Sleep: o.drySleep}
	} else {
		e.Act = &engine.Real{Live: l, Stdio: o.stdio}
	}
	code, err := e.Apply(sel, !o.down, o.prune)
	if err != nil {
		return rcFail(c, err)
	}
	return code
}

func rcReload(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	act := &engine.Real{Live: l, Stdio: o.stdio}
	return act.Reload(sel, o.timeout, rcMessages(c, o))
}

func rcRestart(c *Ctx, o *rcOptions, l *live.Live, sel []bool) int {
	act := &engine.Real{Live: l, Stdio: o.stdio}
	code, err := act.Restart(sel, rcMessages(c, o))
	if err != nil {
		return rcFail(c, err)
	}
	return code
}

// rcMessages sends the engine's messages to our stderr.
func rcMessages(c *Ctx, o *rcOptions) engine.Messages {
	return engine.Messages{Verbosity: o.verbosity, Info: c.Info, Warn: c.Warn}
}

// rcWatchSignals turns SIGTERM/SIGINT into names on a channel.
func rcWatchSignals() (<-chan string, func()) {
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
