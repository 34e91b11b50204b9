// Package runner is the oneshot runner: the s6rc-oneshot-runner longrun
// serves a Unix socket "s" in its service directory; rc connects, sends
// "up|down|reload INDEX\n" with its stdin, stdout and stderr attached
// (SCM_RIGHTS), the runner starts the oneshot's argv (from the live
// compiled database) with those descriptors, its own environment plus
// RC_NAME, and answers "exit WSTATUS\n" when it ends. If the client goes
// away first (it timed out or was killed) the script gets SIGTERM.
//
// Scripts therefore run as children of the supervision tree with its
// environment, whether rc was called at boot or by hand.
package runner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/execpath"
	"s6box/core/reaper"
	"s6box/rcdb"
	"s6box/rcdb/usock"
)

// slotOf maps a verb to its script slot.
func slotOf(verb string) (int, bool) {
	switch verb {
	case "down":
		return rcdb.SlotDown, true
	case "up":
		return rcdb.SlotUp, true
	case "reload":
		return rcdb.SlotReload, true
	}
	return 0, false
}

// Server serves oneshot requests.
type Server struct {
	Live   string // live directory (the runner's ../..)
	Reaper *reaper.Reaper
	Env    []string
	Log    func(format string, a ...any)
	// Self and IsApplet let a script's first word that names one of this
	// binary's applets (an execline command such as if, foreground,
	// importas) run from this binary without a PATH lookup, as the multicall
	// binary dispatches on argv[0].
	Self     string
	IsApplet func(name string) bool
}

// Serve accepts connections until ln fails.
func (s *Server) Serve(ln *usock.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go s.handle(c)
	}
}

func (s *Server) reply(c *usock.Conn, format string, a ...any) {
	fmt.Fprintf(c, format+"\n", a...)
}

func (s *Server) handle(c *usock.Conn) {
	defer c.Close()
	if !allowed(c) {
		s.reply(c, "error permission denied")
		return
	}
	buf := make([]byte, 256)
	n, fds, err := c.ReadMsg(buf, 4) // 4: so that too many is noticed
	if err != nil {
		return
	}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	if len(fds) != 3 {
		s.reply(c, "error expected 3 descriptors")
		return
	}
	verb, num, _ := strings.Cut(strings.TrimSpace(string(buf[:n])), " ")
	slot, ok := slotOf(verb)
	idx, err := strconv.Atoi(num)
	if !ok || err != nil {
		s.reply(c, "error bad request")
		return
	}
	compiled := filepath.Join(s.Live, "compiled")
	db, err := rcdb.Load(compiled)
	if err != nil {
		s.reply(c, "error %v", err)
		return
	}
	if idx < db.NLong || idx >= len(db.Atoms) {
		s.reply(c, "error invalid service number")
		return
	}
	a := db.Atoms[idx]
	argv := a.Argv[slot]
	if a.Script[slot] != "" {
		argv = []string{filepath.Join(compiled, a.Script[slot])}
	}
	if len(argv) == 0 {
		s.reply(c, "exit 0")
		return
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		if p, err := execpath.Look(path, execpath.FromEnviron(s.Env)); err == nil {
			path = p
		} else if s.Self != "" && s.IsApplet != nil && s.IsApplet(path) {
			path = s.Self
		}
	}
	env := append(append([]string{}, s.Env...), "RC_NAME="+a.Name)
	files := []uintptr{uintptr(fds[0]), uintptr(fds[1]), uintptr(fds[2])}
	pid, exit, err := s.Reaper.StartProcess(path, argv, &syscall.ProcAttr{Env: env, Files: files})
	if err != nil {
		fmt.Fprintf(os.NewFile(uintptr(fds[2]), "stderr"), "s6rc-oneshot-runner: warning: unable to spawn %s: %v\n", argv[0], err)
		s.reply(c, "exit %d", 126<<8)
		return
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	fds = nil
	gone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c) // returns when the client closes
		close(gone)
	}()
	select {
	case e := <-exit:
		s.reply(c, "exit %d", int(e.Status))
	case <-gone:
		syscall.Kill(pid, syscall.SIGTERM)
		<-exit
	}
}

func allowed(c *usock.Conn) bool {
	cred, err := c.PeerCred()
	if err != nil {
		return false
	}
	return cred.Uid == 0 || int(cred.Uid) == os.Geteuid()
}

// Result of a client request.
type Result struct {
	Code   int // exit code; 111 on timeout or protocol failure
	Signal int // signal that killed the script
	Err    error
}

// ErrTimeout is reported when the script did not finish in time.
var ErrTimeout = errors.New("timed out waiting for the oneshot")

// Run asks the runner at sock to run verb for atom idx with stdio, waiting at
// most timeout (0 = forever). On timeout the connection is closed, which
// makes the runner SIGTERM the script.
func Run(sock, verb string, idx int, stdio [3]*os.File, timeout time.Duration) Result {
	c, err := usock.Dial(sock)
	if err != nil {
		return Result{Code: 111, Err: fmt.Errorf("unable to connect to %s: %w", sock, err)}
	}
	defer c.Close()
	req := []byte(fmt.Sprintf("%s %d\n", verb, idx))
	if _, err := c.WriteMsg(req, int(stdio[0].Fd()), int(stdio[1].Fd()), int(stdio[2].Fd())); err != nil {
		return Result{Code: 111, Err: fmt.Errorf("unable to send to %s: %w", sock, err)}
	}
	if timeout > 0 {
		c.SetReadDeadline(time.Now().Add(timeout))
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return Result{Code: 111, Err: ErrTimeout}
		}
		return Result{Code: 111, Err: fmt.Errorf("unable to get exit status from %s: %w", sock, err)}
	}
	line = strings.TrimSpace(line)
	if v, ok := strings.CutPrefix(line, "exit "); ok {
		ws, err := strconv.Atoi(v)
		if err == nil {
			w := syscall.WaitStatus(ws)
			if w.Signaled() {
				return Result{Signal: int(w.Signal())}
			}
			return Result{Code: w.ExitStatus()}
		}
	}
	return Result{Code: 111, Err: fmt.Errorf("runner at %s: %s", sock, line)}
}
