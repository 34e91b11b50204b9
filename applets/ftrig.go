package applets

import (
	"errors"

	"strconv"
	"syscall"
	"time"

	"s6box/core/errtext"
	"s6box/core/ftrig"
	"s6box/core/ftrigwait"
	"s6box/logger/ere"
)

// mkfifodirMain creates a fifodir: listenable by everyone, or with -g by
// one group only.
func mkfifodirMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("fg:")
	if !ok {
		return code
	}
	gid, force := -1, false
	for _, o := range opts {
		switch o.Letter {
		case 'f':
			force = true
		case 'g':
			v, err := strconv.ParseUint(o.Value, 10, 31)
			if err != nil {
				return c.UsageFail("")
			}
			gid = int(v)
		}
	}
	if len(rest) < 1 {
		return c.UsageFail("")
	}
	if err := ftrig.MakeFifodirGroup(rest[0], gid, force); err != nil {
		return c.Fatal(ExitSystem, "unable to create fifodir at %s: %s", rest[0], errtext.Libc(err))
	}
	return 0
}

// cleanfifodirMain removes the stale listener fifos of a fifodir.
func cleanfifodirMain(c *Ctx) int {
	if len(c.Args) < 1 {
		return c.UsageFail("")
	}
	if err := ftrig.Clean(c.Args[0]); err != nil {
		return c.Fatal(ExitSystem, "unable to clean up fifodir at %s: %s", c.Args[0], errtext.Libc(err))
	}
	return 0
}

// ftrigNotifyMain sends the bytes of message as events to a fifodir.
func ftrigNotifyMain(c *Ctx) int {
	if len(c.Args) < 2 {
		return c.UsageFail("")
	}
	if err := ftrig.Notify(c.Args[0], []byte(c.Args[1])); err != nil {
		return c.Fatal(ExitSystem, "unable to notify %s: %s", c.Args[0], errtext.Libc(err))
	}
	return 0
}

// ftrigTimeout reads -t (milliseconds, 0 = none) into a deadline.
func ftrigTimeout(c *Ctx, spec string) (rest []string, deadline time.Time, or bool, code int, ok bool) {
	opts, rest, code, ok := c.Getopt(spec)
	if !ok {
		return nil, deadline, false, code, false
	}
	for _, o := range opts {
		switch o.Letter {
		case 't':
			d, err := msDeadline(o.Value)
			if err != nil {
				return nil, deadline, false, c.UsageFail(""), false
			}
			deadline = d
		case 'o':
			or = true
		case 'a':
			or = false
		}
	}
	return rest, deadline, or, -1, true
}

// ftrigSubscribe compiles the patterns and subscribes to the fifodirs.
func ftrigSubscribe(c *Ctx, dirs, pats []string) (*ftrigwait.Waiter, int) {
	ms := make([]ftrigwait.Matcher, len(pats))
	for i, p := range pats {
		re, err := ere.Compile(p)
		if err != nil {
			return nil, c.Fatal(ExitSystem, "unable to subscribe to %s with regexp %s: %s", dirs[i], p, errtext.Libc(syscall.EINVAL))
		}
		ms[i] = re
	}
	w, err := ftrigwait.Subscribe(dirs, ms)
	if err != nil {
		var se *ftrigwait.SubscribeError
		if errors.As(err, &se) {
			for i, d := range dirs {
				if d == se.Dir {
					return nil, c.Fatal(ExitSystem, "unable to subscribe to %s with regexp %s: %s", d, pats[i], errtext.Libc(se.Err))
				}
			}
		}
		return nil, c.Fatal(ExitSystem, "unable to subscribe: %s", errtext.Libc(err))
	}
	return w, -1
}

// ftrigWaitMain waits for a pattern of events on a fifodir and prints the
// event that completed it.
func ftrigWaitMain(c *Ctx) int {
	w, rest, deadline, code := ftrigOne(c, 2)
	if w == nil {
		return code
	}
	defer w.Close()
	if err := w.Wait(true, deadline); err != nil {
		if errors.Is(err, ftrigwait.ErrTimeout) {
			return c.Fatal(1, "unable to match regexp on %s: %s", rest[1], errtext.Libc(syscall.ETIMEDOUT))
		}
		return c.Fatal(ExitSystem, "unable to match regexp on %s: %s", rest[1], errtext.Libc(err))
	}
	return ftrigPrintLast(c, w.Last(0))
}

// ftrigOne reads "[ -t timeout ] fifodir regexp …" (at least min
// operands) and subscribes; a nil Waiter comes with the exit code.
func ftrigOne(c *Ctx, min int) (*ftrigwait.Waiter, []string, time.Time, int) {
	rest, deadline, _, code, ok := ftrigTimeout(c, "t:")
	if !ok {
		return nil, nil, deadline, code
	}
	if len(rest) < min {
		return nil, nil, deadline, c.UsageFail("")
	}
	w, code := ftrigSubscribe(c, rest[:1], rest[1:2])
	return w, rest, deadline, code
}

func ftrigPrintLast(c *Ctx, b byte) int {
	if _, err := c.Stdout.Write([]byte{b, '\n'}); err != nil {
		return c.Fatal(ExitSystem, "unable to write to stdout: %s", errtext.Libc(err))
	}
	return 0
}

// ftrigListenWait spawns prog once subscribed, then waits.
func ftrigListenWait(c *Ctx, w *ftrigwait.Waiter, prog []string, or bool, deadline time.Time) int {
	if err := spawnUnwaited(prog); err != nil {
		return c.Fatal(ExitSystem, "unable to spawn %s: %s", prog[0], errtext.Libc(err))
	}
	if err := w.Wait(!or, deadline); err != nil {
		if errors.Is(err, ftrigwait.ErrTimeout) {
			return c.Fatal(1, "unable to get expected event: %s", errtext.Libc(syscall.ETIMEDOUT))
		}
		return c.Fatal(ExitSystem, "%s", s6Msg(err))
	}
	return 0
}

// ftrigListen1Main subscribes, spawns prog, and waits like ftrig-wait.
func ftrigListen1Main(c *Ctx) int {
	w, rest, deadline, code := ftrigOne(c, 3)
	if w == nil {
		return code
	}
	defer w.Close()
	if code := ftrigListenWait(c, w, rest[2:], false, deadline); code != 0 {
		return code
	}
	return ftrigPrintLast(c, w.Last(0))
}

// ftrigListenMain subscribes to several fifodirs (an execline block of
// fifodir/regexp pairs ending at an empty word), spawns prog and waits for
// all (-a) or one (-o) of the patterns.
func ftrigListenMain(c *Ctx) int {
	rest, deadline, or, code, ok := ftrigTimeout(c, "aot:")
	if !ok {
		return code
	}
	if len(rest) < 4 {
		return c.UsageFail("")
	}
	end := blockEnd(rest)
	if end == 0 || end > 0 && (end%2 == 1 || end == len(rest)-1) {
		return c.UsageFail("")
	}
	if end < 0 {
		return c.Fatal(ExitUsage, "unterminated fifodir+regex block")
	}
	var dirs, pats []string
	for i := 0; i < end; i += 2 {
		dirs = append(dirs, unquoteBlock(rest[i]))
		pats = append(pats, unquoteBlock(rest[i+1]))
	}
	w, code := ftrigSubscribe(c, dirs, pats)
	if w == nil {
		return code
	}
	defer w.Close()
	return ftrigListenWait(c, w, rest[end+1:], or, deadline)
}

// blockEnd is the index of the empty word that ends an execline block
// (execlineb's encoding of `{ … }`), or -1.
func blockEnd(args []string) int {
	for i, a := range args {
		if a == "" {
			return i
		}
	}
	return -1
}

// unquoteBlock drops the blank execlineb puts before each word of a block.
func unquoteBlock(s string) string {
	if len(s) > 0 && s[0] == ' ' {
		return s[1:]
	}
	return s
}
