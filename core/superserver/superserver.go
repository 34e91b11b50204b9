// Package superserver is s6-ipcserverd's engine: it accepts connections on
// a listening Unix socket and runs one program per connection with the
// socket as its standard input and output and the UCSPI IPC variables in
// its environment, keeping at most MaxConn connections in all and
// LocalMaxConn per client uid.
//
// The main loop accepts, one client at a time, only while fewer than
// MaxConn children run: over the limit a client waits in the kernel's
// backlog (as with s6, which stops polling the socket) instead of being
// accepted and dropped, and a server told to stop leaves the clients it has
// not accepted to the next one on the same socket.
package superserver

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"s6box/core/ipc"
	"s6box/core/reaper"
)

// AbsoluteMaxConn is s6's ceiling on MaxConn.
const AbsoluteMaxConn = 1000

// Config is what the server runs and how.
type Config struct {
	MaxConn      int      // total connections (clamped to 1..AbsoluteMaxConn)
	LocalMaxConn int      // connections per client uid (at most MaxConn)
	NoCreds      bool     // -P: no credential lookup, IPCREMOTEEUID/EGID unset
	Path         string   // the program to run, resolved
	Argv         []string // its argv
	Env          []string // the environment the per-connection variables are added to
	// Log receives the server's messages: level 1 is s6's normal verbosity
	// (warnings, refusals), 2 its verbose one (every connection).
	Log func(level int, msg string)
}

// Event is a signal the server obeys: SIGTERM, SIGHUP, SIGQUIT, SIGABRT.
type Event = os.Signal

type child struct {
	uid int
}

// Server is a running super-server.
type Server struct {
	cfg       Config
	ln        *ipc.Listener
	reap      *reaper.Reaper
	children  map[int]child
	perUID    map[int]int
	exits     chan reaper.Exit
	goAhead   chan struct{}
	readable  chan struct{}
	acceptErr chan error
}

// New prepares a server on ln; Run starts it.
func New(ln *ipc.Listener, cfg Config) *Server {
	if cfg.MaxConn < 1 {
		cfg.MaxConn = 1
	}
	if cfg.MaxConn > AbsoluteMaxConn {
		cfg.MaxConn = AbsoluteMaxConn
	}
	if cfg.NoCreds || cfg.LocalMaxConn > cfg.MaxConn || cfg.LocalMaxConn < 1 {
		cfg.LocalMaxConn = cfg.MaxConn
	}
	if cfg.Log == nil {
		cfg.Log = func(int, string) {}
	}
	return &Server{
		cfg: cfg, ln: ln,
		children:  map[int]child{},
		perUID:    map[int]int{},
		exits:     make(chan reaper.Exit, 16),
		goAhead:   make(chan struct{}, 1),
		readable:  make(chan struct{}),
		acceptErr: make(chan error, 1),
	}
}

// Limits returns the connection limits in force after clamping.
func (s *Server) Limits() (maxConn, localMaxConn int) {
	return s.cfg.MaxConn, s.cfg.LocalMaxConn
}

// watch tells the main loop when a client waits, once per go-ahead: the
// main loop accepts, so no connection is ever taken that the server, told
// to stop meanwhile, would drop.
func (s *Server) watch() {
	for range s.goAhead {
		if err := s.ln.WaitReadable(); err != nil {
			s.acceptErr <- err
			return
		}
		s.readable <- struct{}{}
	}
}

func (s *Server) status() {
	s.cfg.Log(2, fmt.Sprintf("info: status: %d/%d", len(s.children), s.cfg.MaxConn))
}

// Run serves until a signal on events ends it (SIGTERM, SIGQUIT, SIGABRT)
// or the listener fails. The children keep running after SIGTERM, as s6's
// do; SIGQUIT sends them SIGTERM and SIGCONT, SIGABRT SIGKILL, and SIGHUP
// sends SIGTERM and SIGCONT without stopping the server.
func (s *Server) Run(events <-chan Event) error {
	s.reap = reaper.Start(nil)
	defer s.reap.Stop()
	s.cfg.Log(2, "info: starting")
	s.status()
	go s.watch()
	defer close(s.goAhead)
	watching := false
	for {
		if !watching && len(s.children) < s.cfg.MaxConn {
			s.goAhead <- struct{}{}
			watching = true
		}
		select {
		case <-s.readable:
			watching = false
			s.acceptOne()
		case e := <-s.exits:
			s.ended(e)
		case err := <-s.acceptErr:
			return fmt.Errorf("accept: %w", err)
		case sig := <-events:
			switch sig {
			case syscall.SIGTERM:
				s.cfg.Log(2, "info: received SIGTERM, quitting")
				return nil
			case syscall.SIGHUP:
				s.cfg.Log(2, "info: received SIGHUP, sending SIGTERM+SIGCONT to all connections")
				s.killAll(syscall.SIGTERM, syscall.SIGCONT)
			case syscall.SIGQUIT:
				s.cfg.Log(2, "info: received SIGQUIT, sending SIGTERM+SIGCONT to all connections and quitting")
				s.killAll(syscall.SIGTERM, syscall.SIGCONT)
				return nil
			case syscall.SIGABRT:
				s.cfg.Log(2, "info: received SIGABRT, sending SIGKILL to all connections and quitting")
				s.killAll(syscall.SIGKILL)
				return nil
			}
		}
	}
}

func (s *Server) killAll(sigs ...syscall.Signal) {
	for _, sig := range sigs {
		for pid := range s.children {
			syscall.Kill(pid, sig)
		}
	}
}

func (s *Server) ended(e reaper.Exit) {
	ch, ok := s.children[e.Pid]
	if !ok {
		return
	}
	delete(s.children, e.Pid)
	if s.perUID[ch.uid]--; s.perUID[ch.uid] <= 0 {
		delete(s.perUID, ch.uid)
	}
	how, n := "exitcode", e.Status.ExitStatus()
	if e.Status.Signaled() {
		how, n = "signal", int(e.Status.Signal())
	}
	uid := "?"
	if !s.cfg.NoCreds {
		uid = strconv.Itoa(ch.uid)
	}
	s.cfg.Log(2, fmt.Sprintf("info: end pid %d uid %s %s %d", e.Pid, uid, how, n))
	s.status()
}

// acceptOne accepts a waiting client, if it is still there.
func (s *Server) acceptOne() {
	c, err := s.ln.TryAccept()
	if err != nil {
		s.cfg.Log(1, "warning: unable to accept: "+err.Error())
		return
	}
	if c != nil {
		s.connection(c)
	}
}

// connection runs the program for c, or refuses c; c is closed here.
func (s *Server) connection(c *ipc.Conn) {
	defer c.Close()
	uid, gid := 0, 0
	if !s.cfg.NoCreds {
		cred, err := c.PeerCred()
		if err != nil {
			s.cfg.Log(1, "warning: unable to getpeereid: "+err.Error())
			return
		}
		uid, gid = int(cred.Uid), int(cred.Gid)
	}
	num := s.perUID[uid]
	if num >= s.cfg.LocalMaxConn {
		s.cfg.Log(1, fmt.Sprintf("info: deny %s count %d/%d", s.ids(uid, gid), num, s.cfg.LocalMaxConn))
		return
	}
	fd := c.Fd()
	// The child gets a blocking socket, as from accept(2).
	if err := unix.SetNonblock(fd, false); err != nil {
		s.cfg.Log(1, "warning: unable to set the socket blocking: "+err.Error())
		return
	}
	env := append(s.cfg.Env[:len(s.cfg.Env):len(s.cfg.Env)], s.connEnv(uid, gid, num+1, ipc.PeerName(fd))...)
	pid, exit, err := s.reap.StartProcess(s.cfg.Path, s.cfg.Argv, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{uintptr(fd), uintptr(fd), 2},
	})
	if err != nil {
		s.cfg.Log(1, fmt.Sprintf("warning: unable to spawn %s: %v", s.cfg.Argv[0], err))
		return
	}
	go func() { s.exits <- <-exit }()
	s.children[pid] = child{uid: uid}
	s.perUID[uid] = num + 1
	s.cfg.Log(2, fmt.Sprintf("info: allow %s pid %d count %d/%d", s.ids(uid, gid), pid, num+1, s.cfg.LocalMaxConn))
	s.status()
}

func (s *Server) ids(uid, gid int) string {
	if s.cfg.NoCreds {
		return "?:?"
	}
	return strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
}

// connEnv is the UCSPI environment of one connection. Without credentials
// IPCREMOTEEUID and IPCREMOTEEGID are removed and IPCCONNNUM is empty, as
// with s6.
func (s *Server) connEnv(uid, gid, num int, remote string) []string {
	if s.cfg.NoCreds {
		return []string{"PROTO=IPC", "IPCCONNNUM=", "IPCREMOTEPATH=" + remote}
	}
	return []string{"PROTO=IPC", "IPCREMOTEEUID=" + strconv.Itoa(uid), "IPCREMOTEEGID=" + strconv.Itoa(gid),
		"IPCCONNNUM=" + strconv.Itoa(num), "IPCREMOTEPATH=" + remote}
}

// BaseEnv removes from env the variables a connection's environment sets or
// unsets, so the child sees each once.
func BaseEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name := kv
		if i := strings.IndexByte(kv, '='); i >= 0 {
			name = kv[:i]
		}
		switch name {
		case "PROTO", "IPCREMOTEEUID", "IPCREMOTEEGID", "IPCCONNNUM", "IPCREMOTEPATH":
			continue
		}
		out = append(out, kv)
	}
	return out
}
