package applets

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/errtext"
	"s6box/core/permafail"
	"s6box/core/status"
	"s6box/core/tai64n"
)

// permafailonMain exits 125 (permanent failure) when the death tally of
// the service in the current directory holds enough matching deaths in
// the window, else chain-loads prog.
func permafailonMain(c *Ctx) int {
	a := c.Args
	if len(a) < 3 {
		return c.UsageFail("")
	}
	secs, err1 := strconv.ParseUint(a[0], 10, 32)
	n, err2 := strconv.ParseUint(a[1], 10, 32)
	if err1 != nil || err2 != nil || n == 0 {
		return c.UsageFail("")
	}
	n = min(n, status.MaxDeaths)
	list, err := permafail.ParseList(a[2])
	if err != nil {
		return c.Fatal(ExitUsage, "%v", err)
	}
	const tally = "supervise/death_tally"
	st, err := os.Stat(tally)
	switch {
	case err != nil:
		c.Warn("unable to stat %s: %s", tally, errtext.Libc(err))
	case st.Size()%status.DeathRecordSize != 0 || st.Size() > status.MaxDeaths*status.DeathRecordSize:
		c.Warn("invalid %s", tally)
	default:
		deaths, err := status.LoadDeaths(".")
		if err != nil {
			c.Warn("unable to read %s: %s", tally, errtext.Libc(err))
			break
		}
		window := time.Duration(secs) * time.Second
		if t, hit := permafail.Check(deaths, tai64n.Now(), window, int(n), list); hit {
			what, ev := "exit code ", int(t.Death.Code)
			if t.Signal {
				what, ev = "signal ", int(t.Death.Sig)
			}
			c.Info("PERMANENT FAILURE triggered after %d events involving %s%d in the last %d seconds", n, what, ev, secs)
			return 125
		}
	}
	return elExec(c, a[3:])
}

// fghackN is how many descriptors of the hack pipe prog gets.
const fghackN = 30

// fghackMain runs prog with many descriptors writing to one pipe and waits
// until all of them are closed (prog and whatever it left in the
// background exited), then exits as prog did; a write on the pipe is an
// error (102).
func fghackMain(c *Ctx) int {
	if len(c.Args) < 1 {
		return c.UsageFail("")
	}
	prog := c.Args
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return c.Fatal(ExitSystem, "unable to create hackpipe: %s", errtext.Libc(err))
	}
	files := []uintptr{0, 1, 2}
	for range fghackN {
		files = append(files, uintptr(p[1]))
	}
	path, err := c.LookProgram(prog[0])
	if err != nil {
		return c.Fatal(ExitSystem, "unable to spawn %s: %s", prog[0], errtext.Libc(err))
	}
	pid, err := syscall.ForkExec(path, prog, &syscall.ProcAttr{Env: os.Environ(), Files: files})
	if err != nil {
		return c.Fatal(ExitSystem, "unable to spawn %s: %s", prog[0], errtext.Libc(err))
	}
	unix.Close(p[1])
	var b [1]byte
	var n int
	for {
		n, err = unix.Read(p[0], b[:])
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return c.Fatal(ExitSystem, "unable to read on hackpipe: %s", errtext.Libc(err))
	}
	if n > 0 {
		return c.Fatal(102, "%s wrote on hackpipe", prog[0])
	}
	ws, err := elWait(pid)
	if err != nil {
		return c.Fatal(ExitSystem, "unable to wait_pid: %s", errtext.Libc(err))
	}
	return elEstatus(ws)
}

// pauseMain blocks until a signal kills it; the options make it ignore
// some signals.
func pauseMain(c *Ctx) int {
	opts, _, code, ok := c.Getopt("thaqbip:")
	if !ok {
		return code
	}
	letters := map[byte]syscall.Signal{'t': syscall.SIGTERM, 'h': syscall.SIGHUP, 'a': syscall.SIGALRM,
		'q': syscall.SIGQUIT, 'b': syscall.SIGABRT, 'i': syscall.SIGINT}
	var sigs []syscall.Signal
	for _, o := range opts {
		if o.Letter != 'p' {
			sigs = append(sigs, letters[o.Letter])
			continue
		}
		for _, f := range strings.FieldsFunc(o.Value, func(r rune) bool { return r == ',' || r == ' ' || r == ':' }) {
			v, err := strconv.ParseUint(f, 10, 32)
			if err != nil || v == 0 || v > 64 {
				return c.UsageFail("")
			}
			sigs = append(sigs, syscall.Signal(v))
		}
	}
	for _, s := range sigs {
		if s != syscall.SIGKILL && s != syscall.SIGSTOP {
			signal.Ignore(s)
		}
	}
	for {
		unix.Pause()
	}
}
