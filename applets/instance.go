package applets

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/errtext"
	"s6box/core/instance"
	"s6box/core/svlink"
	"s6box/core/svmaker"
	"s6box/linuxinit"
)

// instanceFatal maps core/instance errors to s6's exit codes.
func instanceFatal(c *Ctx, err error, format string, a ...any) int {
	var ce *instance.CheckError
	switch {
	case errors.Is(err, instance.ErrBadName):
		return c.Fatal(ExitUsage, "invalid instance name")
	case errors.Is(err, instance.ErrNotRunning):
		return c.Fatal(1, "%v", err)
	case errors.As(err, &ce):
		return c.Fatal(ExitSystem, "%s", s6Msg(ce))
	case errors.Is(err, instance.ErrExists), errors.Is(err, instance.ErrInTheWay):
		return c.Fatal(ExitUsage, "%v", err)
	case errors.Is(err, svlink.ErrTimeout):
		a = append(a, errtext.Libc(syscall.ETIMEDOUT))
		return c.Fatal(99, format+": %s", a...)
	}
	a = append(a, s6Msg(err))
	return c.Fatal(ExitSystem, format+": %s", a...)
}

// instanceCreateMain creates an instance of a running instanced service
// and waits for its supervisor.
func instanceCreateMain(c *Ctx) int {
	o, deadline, rest, code, ok := linkOptions(c)
	if code := instanceArgs(c, rest, code, ok); code >= 0 {
		return code
	}
	if err := instance.Create(rest[0], rest[1], o, deadline); err != nil {
		return instanceFatal(c, err, "unable to create instance of %s named %s", rest[0], rest[1])
	}
	return 0
}

// instanceDeleteMain removes an instance; like svunlink, a timeout is not
// an error.
func instanceDeleteMain(c *Ctx) int {
	wait, deadline, rest, code, ok := unlinkOptions(c)
	if code := instanceArgs(c, rest, code, ok); code >= 0 {
		return code
	}
	if err := instance.Delete(rest[0], rest[1], wait, deadline); err != nil {
		return instanceFatal(c, err, "unable to delete instance %s of service %s", rest[1], rest[0])
	}
	return 0
}

// instanceArgs checks the option parsing's outcome and the "service name"
// operands; it returns -1 to go on.
func instanceArgs(c *Ctx, rest []string, code int, ok bool) int {
	switch {
	case !ok:
		return code
	case len(rest) < 2:
		return c.UsageFail("")
	case rest[0] == "":
		return c.Fatal(ExitUsage, "invalid service path")
	}
	return -1
}

// instanceListMain prints the names of the instances, one per line.
func instanceListMain(c *Ctx) int {
	_, rest, code, ok := c.Getopt("")
	if !ok {
		return code
	}
	if len(rest) < 1 {
		return c.UsageFail("")
	}
	if rest[0] == "" {
		return c.Fatal(ExitUsage, "invalid service path")
	}
	names, err := instance.List(rest[0])
	if err != nil {
		return instanceFatal(c, err, "unable to list instances of %s", rest[0])
	}
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	if _, err := c.Stdout.Write([]byte(b.String())); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %s", errtext.Libc(err))
	}
	return 0
}

// instanceDelegate runs svc or svstat on servicedir/instance/name, as
// s6's s6-instance-control and s6-instance-status exec s6-svc and
// s6-svstat: the options are passed on as they are.
func instanceDelegate(c *Ctx, spec, target string) int {
	args := c.Args
	if target == "svstat" && len(args) > 0 && args[0] == "--json" {
		args = args[1:]
	}
	d := *c
	d.Args = args
	_, rest, code, ok := d.Getopt(spec)
	if !ok {
		return code
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	if rest[0] == "" {
		return c.Fatal(ExitUsage, "invalid service name")
	}
	if instance.ValidName(rest[1]) != nil {
		return c.Fatal(ExitUsage, "invalid instance name")
	}
	next := append([]string{}, c.Args[:len(c.Args)-len(rest)]...)
	next = append(next, instance.Path(rest[0], rest[1]))
	d.Args = next
	d.Applet = Find(Table(), target)
	d.Prog = target
	if strings.HasPrefix(c.Prog, "s6-") {
		d.Prog = "s6-" + target
	}
	return d.Applet.Main(&d)
}

func instanceControlMain(c *Ctx) int {
	return instanceDelegate(c, "abqhkti12pcyroduDUxOQPCKls:w:T:", "svc")
}

func instanceStatusMain(c *Ctx) int {
	return instanceDelegate(c, "no:uwNrpestj", "svstat")
}

// makerScript is how the makers write scripts: runscript files naming
// this binary.
func makerScript(c *Ctx) (svmaker.Script, int) {
	self := c.Self()
	if self == "" {
		return svmaker.Script{}, c.Fatal(ExitSystem, "unable to find this executable")
	}
	return svmaker.Script{Bin: self, Quote: linuxinit.Quote}, -1
}

// makerLogOpt applies one of the logger options shared by the makers; it
// reports false for an option that is not one of them, or a bad value.
func makerLogOpt(lg *svmaker.Logger, letter byte, v string) (handled, ok bool) {
	var err error
	switch letter {
	case 'l':
		lg.User = v
	case 't':
		var u uint64
		u, err = parseDecimal64(v)
		lg.StampType = int(min(u, 1000))
	case 'n':
		lg.NFiles, err = parseDecimal64(v)
	case 's':
		lg.FileSize, err = parseDecimal64(v)
	case 'S':
		lg.MaxSize, err = parseDecimal64(v)
	case 'P':
		lg.Prefix, lg.HasPrefix = v, true
	default:
		return false, true
	}
	return true, err == nil
}

// makerFatal maps a maker error to 100 (refused configuration) or 111.
func makerFatal(c *Ctx, err error) int {
	var ue *svmaker.ErrUsage
	if errors.As(err, &ue) {
		return c.Fatal(ExitUsage, "%s", ue.Msg)
	}
	return c.Fatal(ExitSystem, "%s", s6Msg(err))
}

// instanceMakerMain writes an instanced service (offline).
func instanceMakerMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("u:l:L:c:t:n:s:S:P:r:")
	if !ok {
		return code
	}
	lg := svmaker.DefaultLogger()
	cfg := svmaker.Instance{Max: 500}
	rcArg, hasRC := "", false
	for _, o := range opts {
		if handled, good := makerLogOpt(&lg, o.Letter, o.Value); handled {
			if !good {
				return c.UsageFail("")
			}
			continue
		}
		switch o.Letter {
		case 'u':
			cfg.User = o.Value
		case 'L':
			lg.Dir = o.Value
		case 'c':
			v, err := parseDecimal64(o.Value)
			if err != nil {
				return c.UsageFail("")
			}
			cfg.Max = int(min(v, 1<<20))
		case 'r':
			rcArg, hasRC = o.Value, true
		}
	}
	if len(rest) < 2 {
		return c.UsageFail("")
	}
	if lg.Dir != "" {
		l := lg
		cfg.Logger = &l
		if err := l.Validate(); err != nil {
			return makerFatal(c, err)
		}
	} else if lg.StampType > 3 {
		return makerFatal(c, &svmaker.ErrUsage{Msg: "stamptype must be 0, 1, 2 or 3"})
	}
	if hasRC {
		r, err := svmaker.ParseRC(rcArg, false)
		if err != nil {
			return makerFatal(c, err)
		}
		cfg.RC = &r
	}
	cfg.Template, cfg.Dir = rest[0], rest[1]
	sc, code := makerScript(c)
	if code >= 0 {
		return code
	}
	cfg.Script = sc
	if err := svmaker.MakeInstance(cfg); err != nil {
		return makerFatal(c, err)
	}
	return 0
}

// parseDecimal64 reads a decimal 64-bit number (the makers' sizes and counts).
func parseDecimal64(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) }

// usertreeMakerMain writes a service running a user's own supervision tree
// (offline).
func usertreeMakerMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("d:p:E:e:r:l:t:n:s:S:P:")
	if !ok {
		return code
	}
	u := svmaker.Usertree{Logger: svmaker.DefaultLogger()}
	rcArg, hasRC := "", false
	for _, o := range opts {
		if handled, good := makerLogOpt(&u.Logger, o.Letter, o.Value); handled {
			if !good {
				return c.UsageFail("")
			}
			continue
		}
		switch o.Letter {
		case 'd':
			u.ScanDir = o.Value
		case 'p':
			u.Path = o.Value
		case 'E':
			u.EnvDir = o.Value
		case 'e':
			if strings.Contains(o.Value, "=") {
				return c.Fatal(ExitUsage, "invalid variable name: %s", o.Value)
			}
			u.Vars = append(u.Vars, o.Value)
		case 'r':
			rcArg, hasRC = o.Value, true
		}
	}
	if len(rest) < 3 {
		return c.UsageFail("")
	}
	u.User, u.Logger.Dir, u.Dir = rest[0], rest[1], rest[2]
	if hasRC {
		r, err := svmaker.ParseRC(rcArg, true)
		if err != nil {
			return makerFatal(c, err)
		}
		u.RC = &r
	}
	sc, code := makerScript(c)
	if code >= 0 {
		return code
	}
	u.Script = sc
	if err := svmaker.MakeUsertree(u); err != nil {
		return makerFatal(c, err)
	}
	return 0
}
