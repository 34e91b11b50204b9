// Package fdholder keeps the pipes of s6-rc pipelines alive across restarts
// of their members. The s6rc-fdholder longrun creates one pipe per consumer
// (listed in data/consumers) and hands its ends out over the Unix socket "s"
// in its service directory: a request "r NAME\n" gets the read end of NAME's
// pipe, "w NAME\n" its write end, passed with SCM_RIGHTS; the answer line is
// "ok" or "error REASON". "add NAME" and "del NAME" create and drop pipes
// (used by rc-update).
package fdholder

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"

	"s6box/rcdb/usock"
)

// Holder is the set of pipes.
type Holder struct {
	mu    sync.Mutex
	pipes map[string][2]*os.File
}

// New creates a pipe for every name.
func New(names []string) (*Holder, error) {
	h := &Holder{pipes: map[string][2]*os.File{}}
	for _, n := range names {
		if err := h.add(n); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *Holder) add(name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.pipes[name]; ok {
		return nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("unable to create a pipe for %s: %w", name, err)
	}
	h.pipes[name] = [2]*os.File{r, w}
	return nil
}

func (h *Holder) del(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.pipes[name]; ok {
		p[0].Close()
		p[1].Close()
		delete(h.pipes, name)
	}
}

func (h *Holder) rename(from, to string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.pipes[from]
	if !ok {
		return fmt.Errorf("no pipe for %s", from)
	}
	if _, exists := h.pipes[to]; exists {
		return fmt.Errorf("a pipe for %s already exists", to)
	}
	delete(h.pipes, from)
	h.pipes[to] = p
	return nil
}

// Serve answers requests until ln fails.
func (h *Holder) Serve(ln *usock.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go h.handle(c)
	}
}

func (h *Holder) handle(c *usock.Conn) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		verb, name, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "r", "w":
			h.mu.Lock()
			p, ok := h.pipes[name]
			h.mu.Unlock()
			if !ok {
				fmt.Fprintf(c, "error no pipe for %s\n", name)
				continue
			}
			f := p[0]
			if verb == "w" {
				f = p[1]
			}
			c.WriteMsg([]byte("ok\n"), int(f.Fd()))
		case "add":
			if err := h.add(name); err != nil {
				fmt.Fprintf(c, "error %v\n", err)
				continue
			}
			fmt.Fprintf(c, "ok\n")
		case "del":
			h.del(name)
			fmt.Fprintf(c, "ok\n")
		case "mv":
			from, to, _ := strings.Cut(name, " ")
			if err := h.rename(from, to); err != nil {
				fmt.Fprintf(c, "error %v\n", err)
				continue
			}
			fmt.Fprintf(c, "ok\n")
		default:
			fmt.Fprintf(c, "error bad request\n")
		}
	}
}

// Retrieve asks the holder at sock for one end of name's pipe.
func Retrieve(sock, end, name string) (*os.File, error) {
	c, err := usock.Dial(sock)
	if err != nil {
		return nil, fmt.Errorf("unable to connect to the fd holder at %s: %w", sock, err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "%s %s\n", end, name); err != nil {
		return nil, err
	}
	buf := make([]byte, 256)
	n, fds, err := c.ReadMsg(buf, 1)
	if err != nil {
		return nil, fmt.Errorf("unable to read from the fd holder: %w", err)
	}
	line := strings.TrimSpace(string(buf[:n]))
	if line != "ok" {
		closeAll(fds)
		return nil, fmt.Errorf("fd holder: %s", line)
	}
	if len(fds) == 1 {
		return os.NewFile(uintptr(fds[0]), "pipe:"+end+"-"+name), nil
	}
	return nil, fmt.Errorf("fd holder sent no descriptor")
}

// Command sends "add NAME", "del NAME" or "mv OLD NEW" (name = "OLD NEW").
func Command(sock, verb, name string) error {
	c, err := usock.Dial(sock)
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c, "%s %s\n", verb, name)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "ok" {
		return fmt.Errorf("fd holder: %s", strings.TrimSpace(line))
	}
	return nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}
