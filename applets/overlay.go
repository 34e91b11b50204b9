package applets

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"s6box/linuxinit/overlay"
)

// The s6-overlay container mode (see linuxinit/overlay): overlay-init is
// stage 0 (bin/init of an init-maker -O tree, so the image's /init),
// overlay-stage2 and overlay-stage3 are its rc.init and rc.shutdown;
// with-contenv and printcontenv read the container environment store.

// overlayInitMain: overlay-init [ -c basedir ] [ -m umask ] [ -H limits ] [ -X scanner ] [ -- ] [ cmd... ]
func overlayInitMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("c:m:H:X:")
	if !ok {
		return code
	}
	z := &overlay.Stage0{BaseDir: "/etc/s6-linux-init/current", Binary: c.Self(), Umask: 0o22,
		Env: os.Environ(), UID: os.Getuid(), Warn: c.Warn}
	for _, o := range opts {
		switch o.Letter {
		case 'c':
			z.BaseDir = o.Value
		case 'm':
			n, err := strconv.ParseUint(o.Value, 8, 31)
			if err != nil || n > 0o777 {
				return c.UsageFail("invalid umask: " + o.Value)
			}
			z.Umask = int(n)
		case 'H':
			z.Rlimits = o.Value
		case 'X':
			z.Scanner = o.Value
		}
	}
	set, unknown, err := overlay.Parse(z.Env)
	for _, name := range unknown {
		c.Warn("%s is not an s6-overlay setting s6box knows: ignored", name)
	}
	if err != nil {
		return c.Fatal(ExitUsage, "%v", err)
	}
	if z.Cwd, err = os.Getwd(); err != nil {
		z.Cwd = "/"
	}
	argv, err := z.Prepare(set, rest)
	if err != nil {
		var se *overlay.SettingError
		if errors.As(err, &se) {
			return c.Fatal(ExitUsage, "%v", err)
		}
		return c.Fatal(ExitSystem, "%v", err)
	}
	return execApplet(c, argv)
}

// overlayStage returns the stage both overlay-stage2 and overlay-stage3
// run, from the container environment's S6_* variables.
func overlayStage(c *Ctx) (*overlay.Stage, int) {
	set, _, err := overlay.LoadSettings(overlay.ContEnvDir, os.Environ())
	if err != nil {
		var se *overlay.SettingError
		if errors.As(err, &se) {
			return nil, c.Fatal(ExitUsage, "%v", err)
		}
		return nil, c.Fatal(ExitSystem, "%v", err)
	}
	procs := &overlay.Procs{Self: c.Self(), Env: os.Environ(), Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr}
	tool := func(prog string) (info, warn func(string, ...any)) {
		info = func(format string, a ...any) {
			fmt.Fprintf(c.Stderr, "%s: info: %s\n", prog, Message(format, a...))
		}
		warn = func(format string, a ...any) {
			fmt.Fprintf(c.Stderr, "%s: warning: %s\n", prog, Message(format, a...))
		}
		return info, warn
	}
	return &overlay.Stage{Set: set, Layout: overlay.NewLayout("/etc", set), Procs: procs,
		Info: c.Info, Warn: c.Warn, Now: time.Now,
		Tool: tool, RCStdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}, Signals: rcWatchSignals}, 0
}

// overlayStage2Main: overlay-stage2 runlevel [ cmd... ] (init's rc.init
// arguments).
func overlayStage2Main(c *Ctx) int {
	if len(c.Args) < 1 {
		return c.UsageFail("no runlevel")
	}
	s, code := overlayStage(c)
	if s == nil {
		return code
	}
	// init's TERM to every process at shutdown must not end stage 2 before
	// the CMD: its exit code, TERM handled or not, becomes the container's
	// (as s6-overlay documents for docker stop). Caught, not ignored, so
	// the CMD gets the default disposition.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGTERM)
	out := s.Stage2(c.Args[1:])
	if !out.Halt {
		return 0
	}
	if err := overlay.WriteExitCode(out.ExitCode); err != nil {
		c.Warn("%v", err)
	}
	return execApplet(c, []string{"halt"})
}

// overlayStage3Main: overlay-stage3 (init's rc.shutdown).
func overlayStage3Main(c *Ctx) int {
	s, code := overlayStage(c)
	if s == nil {
		return code
	}
	s.Stage3()
	return 0
}

// withContenvMain: with-contenv prog... — run prog with the container
// environment (PATH kept), or unchanged under S6_KEEP_ENV.
func withContenvMain(c *Ctx) int {
	if len(c.Args) == 0 {
		return c.UsageFail("")
	}
	env, err := overlay.ContainerEnv(overlay.ContEnvDir, os.Environ())
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	os.Clearenv()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return c.Fatal(ExitSystem, "unable to set %s: %v", k, err)
		}
	}
	return c.Exec(c.Args)
}

// printcontenvMain: printcontenv VAR — print VAR's value in the container
// environment; exit 1 when it is not set.
func printcontenvMain(c *Ctx) int {
	if len(c.Args) != 1 {
		return c.UsageFail("one variable name")
	}
	v, err := overlay.Lookup(overlay.ContEnvDir, os.Environ(), c.Args[0])
	if errors.Is(err, overlay.ErrNotSet) {
		return 1
	}
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	fmt.Fprintln(c.Stdout, v)
	return 0
}
