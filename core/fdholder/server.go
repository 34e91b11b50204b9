package fdholder

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/accessrules"
	"s6box/core/ipc"
	"s6box/core/tai64n"
)

// Matcher is a compiled S6_FDHOLDER_*_REGEX (an extended regular
// expression searched anywhere in the name).
type Matcher interface{ MatchString(string) bool }

// Config is a server's settings.
type Config struct {
	MaxConn int           // clients at once (1..MaxConn)
	MaxFDs  int           // descriptors held at most
	Timeout time.Duration // -t: a client's first request, and reading an answer, must not take longer (0: no limit)
	// Rules returns the access-rules backend in force (re-read on SIGHUP by
	// the caller).
	Rules func() accessrules.Backend
	// Compile compiles a regular expression of the rules' environment.
	Compile func(string) (Matcher, error)
	Log     func(level int, msg string)
}

type held struct {
	fd    int
	limit tai64n.Stamp
}

// Server holds descriptors for its clients.
type Server struct {
	cfg     Config
	mu      sync.Mutex
	fds     map[string]held
	changed chan struct{}
	clients sync.WaitGroup
	nconn   int
	busy    sync.WaitGroup
	closing bool
}

// NewServer returns a server with an empty store.
func NewServer(cfg Config) *Server {
	if cfg.MaxConn < 1 {
		cfg.MaxConn = 1
	}
	if cfg.MaxConn > MaxConn {
		cfg.MaxConn = MaxConn
	}
	if cfg.MaxFDs < 1 {
		cfg.MaxFDs = 1
	}
	if cfg.Log == nil {
		cfg.Log = func(int, string) {}
	}
	return &Server{cfg: cfg, fds: map[string]held{}, changed: make(chan struct{}, 1)}
}

// rights is what one client may do, from its rule's environment.
type rights struct {
	retrieve, store        Matcher
	getdump, setdump, list bool
}

type nothing struct{}

func (nothing) MatchString(string) bool { return false }

// access decides whether the peer may talk to us and with which rights.
func (s *Server) access(uid, gid, euid, egid int) (*rights, error) {
	r, p, err := accessrules.CheckUIDGID(s.cfg.Rules(), uid, gid, euid, egid)
	if err != nil {
		return nil, fmt.Errorf("error while checking rules: %w", err)
	}
	if r != accessrules.Allow {
		return nil, nil
	}
	if p.Exec != "" {
		s.cfg.Log(1, fmt.Sprintf("warning: unused exec string in rules for uid %d gid %d", uid, gid))
	}
	rt := &rights{retrieve: nothing{}, store: nothing{}}
	var haveR, haveS bool
	for _, ch := range p.Changes() {
		if ch.Unset {
			continue
		}
		switch ch.Name {
		case "S6_FDHOLDER_GETDUMP":
			rt.getdump = true
		case "S6_FDHOLDER_SETDUMP":
			rt.setdump = true
		case "S6_FDHOLDER_LIST":
			rt.list = true
		case "S6_FDHOLDER_RETRIEVE_REGEX", "S6_FDHOLDER_STORE_REGEX":
			if (ch.Name == "S6_FDHOLDER_RETRIEVE_REGEX" && haveR) || (ch.Name == "S6_FDHOLDER_STORE_REGEX" && haveS) {
				continue
			}
			m, err := s.cfg.Compile(ch.Value)
			if err != nil {
				return nil, fmt.Errorf("invalid %s value: %s: %w", ch.Name, ch.Value, err)
			}
			if ch.Name == "S6_FDHOLDER_RETRIEVE_REGEX" {
				rt.retrieve, haveR = m, true
			} else {
				rt.store, haveS = m, true
			}
		}
	}
	return rt, nil
}

// Serve accepts clients on ln until stop is closed, then finishes the
// requests under way (for at most lameDuck when it is not 0) and returns
// the exit code s6-fdholderd would: 1 when descriptors were still held, 2
// when clients were still connected, 3 for both.
func (s *Server) Serve(ln *ipc.Listener, stop <-chan struct{}, lameDuck time.Duration) int {
	go s.expirer(stop)
	slots := make(chan struct{}, s.cfg.MaxConn)
	euid, egid := syscall.Geteuid(), syscall.Getegid()
	accepted := make(chan *ipc.Conn)
	go func() {
		for {
			slots <- struct{}{}
			c, err := ln.Accept()
			if err != nil {
				<-slots
				if errors.Is(err, ipc.ErrClosed) {
					return
				}
				s.cfg.Log(1, "warning: unable to accept: "+err.Error())
				time.Sleep(10 * time.Millisecond)
				continue
			}
			accepted <- c
		}
	}()
	for {
		select {
		case c := <-accepted:
			cred, err := c.PeerCred()
			var rt *rights
			if err == nil {
				rt, err = s.access(int(cred.Uid), int(cred.Gid), euid, egid)
			}
			if err != nil {
				s.cfg.Log(1, "warning: "+err.Error())
			}
			if rt == nil {
				c.Close()
				<-slots
				continue
			}
			s.mu.Lock()
			s.nconn++
			s.mu.Unlock()
			s.clients.Add(1)
			go func() {
				s.client(c, rt)
				c.Close()
				s.mu.Lock()
				s.nconn--
				s.mu.Unlock()
				<-slots
				s.clients.Done()
			}()
		case <-stop:
			ln.Close()
			s.mu.Lock()
			s.closing = true
			s.mu.Unlock()
			done := make(chan struct{})
			go func() { s.busy.Wait(); close(done) }()
			var timeout <-chan time.Time
			if lameDuck > 0 {
				timeout = time.After(lameDuck)
			}
			select {
			case <-done:
			case <-timeout:
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			code := 0
			if len(s.fds) > 0 {
				code |= 1
			}
			if s.nconn > 0 {
				code |= 2
			}
			return code
		}
	}
}

// Close closes every held descriptor.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, h := range s.fds {
		unix.Close(h.fd)
		delete(s.fds, id)
	}
}

// before reports whether a comes before b.
func before(a, b tai64n.Stamp) bool {
	return a.Sec < b.Sec || a.Sec == b.Sec && a.Nano < b.Nano
}

// expire closes the descriptors whose limit has passed and returns how long
// until the next limit (-1: none within a day, check again when poked).
func (s *Server) expire() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := tai64n.Now()
	next := time.Duration(-1)
	for id, h := range s.fds {
		if !before(now, h.limit) {
			unix.Close(h.fd)
			delete(s.fds, id)
			continue
		}
		if h.limit.Sec-now.Sec > 86400 {
			continue
		}
		if d := h.limit.Sub(now); next < 0 || d < next {
			next = d
		}
	}
	return next
}

// expirer closes descriptors when their time limit passes.
func (s *Server) expirer(stop <-chan struct{}) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next := s.expire()
		if next < 0 {
			next = 24 * time.Hour
		}
		t.Reset(next)
		select {
		case <-stop:
			return
		case <-s.changed:
		case <-t.C:
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	}
}

func (s *Server) poke() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// client serves one connection until it ends or breaks the protocol.
func (s *Server) client(c *ipc.Conn, rt *rights) {
	rcv := ipc.NewReceiver(c)
	rcv.Max = 1 + MaxFDsPerMsg*(tai64n.Size+2+MaxID)
	defer rcv.Close()
	dumping := uint32(0)
	if s.cfg.Timeout > 0 {
		c.SetReadDeadline(time.Now().Add(s.cfg.Timeout))
	}
	for {
		m, err := rcv.Recv()
		if err != nil {
			if err != io.EOF && !errors.Is(err, ipc.ErrClosed) {
				s.cfg.Log(2, "info: client dropped: "+err.Error())
			}
			return
		}
		c.SetReadDeadline(time.Time{})
		s.mu.Lock()
		closing := s.closing
		if !closing {
			s.busy.Add(1)
		}
		s.mu.Unlock()
		if closing {
			m.Close()
			return
		}
		data, fds, err := s.handle(m, rt, &dumping)
		s.busy.Done()
		if err != nil {
			m.Close()
			s.cfg.Log(2, "info: client dropped: "+err.Error())
			return
		}
		if s.cfg.Timeout > 0 {
			c.SetWriteDeadline(time.Now().Add(s.cfg.Timeout))
		}
		for i, d := range data {
			if err := ipc.SendMsg(c, d, fds[i]...); err != nil {
				return
			}
		}
		c.SetWriteDeadline(time.Time{})
	}
}

// MaxFDsPerMsg is how many descriptors one message of a dump carries.
const MaxFDsPerMsg = ipc.MaxMsgFDs

func answer(e syscall.Errno) ([][]byte, [][]int, error) {
	return [][]byte{{byte(e)}}, [][]int{nil}, nil
}

// handle performs one request and returns the answer messages and their
// descriptors (still owned by the store: they are only sent), or an error
// that ends the connection. The message's descriptors are taken over or
// closed.
func (s *Server) handle(m ipc.Msg, rt *rights, dumping *uint32) ([][]byte, [][]int, error) {
	req, err := ParseRequest(m.Data, len(m.FDs))
	if err != nil {
		return nil, nil, err
	}
	if *dumping > 0 && req.Op != OpDumpData {
		return nil, nil, protoErr("request during a dump")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Op {
	case OpStore:
		switch {
		case !rt.store.MatchString(req.ID):
			m.Close()
			return answer(syscall.EPERM)
		case len(s.fds) >= s.cfg.MaxFDs:
			m.Close()
			return answer(syscall.ENFILE)
		}
		if _, ok := s.fds[req.ID]; ok {
			m.Close()
			return answer(syscall.EBUSY)
		}
		s.fds[req.ID] = held{fd: m.FDs[0], limit: req.Limit}
		s.poke()
		return answer(0)
	case OpDelete:
		if !rt.store.MatchString(req.ID) {
			return answer(syscall.EPERM)
		}
		h, ok := s.fds[req.ID]
		if !ok {
			return answer(syscall.ENOENT)
		}
		unix.Close(h.fd)
		delete(s.fds, req.ID)
		return answer(0)
	case OpRetrieve:
		if !rt.retrieve.MatchString(req.ID) || (req.Delete && !rt.store.MatchString(req.ID)) {
			return answer(syscall.EPERM)
		}
		h, ok := s.fds[req.ID]
		if !ok {
			return answer(syscall.ENOENT)
		}
		fd := h.fd
		if req.Delete {
			// The answer still has to carry it: hand over a copy.
			delete(s.fds, req.ID)
			defer unix.Close(fd)
		}
		d, err := unix.Dup(fd)
		if err != nil {
			return answer(err.(syscall.Errno))
		}
		return [][]byte{{0}}, [][]int{{d}}, nil
	case OpList:
		if !rt.list {
			return answer(syscall.EPERM)
		}
		b := []byte{0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], uint32(len(s.fds)))
		for _, id := range s.sortedIDs() {
			b = append(append(b, id...), 0)
		}
		return [][]byte{b}, [][]int{nil}, nil
	case OpGetDump:
		if !rt.getdump {
			return answer(syscall.EPERM)
		}
		ids := s.sortedIDs()
		n := chunks(len(ids), MaxFDsPerMsg)
		head := make([]byte, 9)
		binary.BigEndian.PutUint32(head[1:], uint32(n))
		binary.BigEndian.PutUint32(head[5:], uint32(len(ids)))
		data, fds := [][]byte{head}, [][]int{nil}
		for i := 0; i < len(ids); i += MaxFDsPerMsg {
			var b []byte
			var f []int
			for _, id := range ids[i:min(i+MaxFDsPerMsg, len(ids))] {
				h := s.fds[id]
				b = appendEntry(b, Entry{ID: id, Limit: h.limit})
				f = append(f, h.fd)
			}
			data, fds = append(data, b), append(fds, f)
		}
		return data, fds, nil
	case OpSetDump:
		if !rt.setdump {
			return answer(syscall.EPERM)
		}
		if uint64(req.Count)+uint64(len(s.fds)) > uint64(s.cfg.MaxFDs) {
			return answer(syscall.ENFILE)
		}
		*dumping = req.Count
		b := make([]byte, 5)
		binary.BigEndian.PutUint32(b[1:], uint32(chunks(int(req.Count), MaxFDsPerMsg)))
		return [][]byte{b}, [][]int{nil}, nil
	case OpDumpData:
		if uint32(len(m.FDs)) > *dumping {
			return nil, nil, protoErr("more descriptors than announced")
		}
		if !rt.setdump {
			m.Close()
			return answer(syscall.EPERM)
		}
		if len(s.fds)+len(m.FDs) > s.cfg.MaxFDs {
			m.Close()
			return answer(syscall.ENFILE)
		}
		for _, e := range req.Entries {
			if old, ok := s.fds[e.ID]; ok {
				unix.Close(old.fd)
			}
			s.fds[e.ID] = held{fd: m.FDs[e.FD], limit: e.Limit}
		}
		s.poke()
		*dumping -= uint32(len(m.FDs))
		if *dumping > 0 {
			return answer(syscall.EAGAIN)
		}
		return answer(0)
	}
	return nil, nil, protoErr("unknown request")
}

func (s *Server) sortedIDs() []string {
	ids := make([]string, 0, len(s.fds))
	for id := range s.fds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
