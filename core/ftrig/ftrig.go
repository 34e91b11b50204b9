// Package ftrig implements s6's event fifodir: a directory in which each
// listener creates a named fifo "ftrig1:@<TAI64N>:<6 chars>" and notifiers
// write event bytes into every such fifo.
package ftrig

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"s6box/core/tai64n"
)

const (
	prefix  = "ftrig1:@"
	nameLen = 39 // "ftrig1:@" + 24 hex + ":" + 6 chars
)

// MakeFifodir creates dir if it is missing: private (mode 03730, group = our
// egid) or public (01733). An existing directory is left alone unless force.
func MakeFifodir(dir string, public, force bool) error {
	mode := os.FileMode(0o730) | os.ModeSetgid | os.ModeSticky
	if public {
		mode = os.FileMode(0o733) | os.ModeSticky
	}
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("unable to create fifodir %s: %w", dir, err)
	}
	if err != nil && !force {
		st, serr := os.Stat(dir)
		if serr != nil {
			return fmt.Errorf("unable to stat fifodir %s: %w", dir, serr)
		}
		if !st.IsDir() {
			return fmt.Errorf("fifodir %s: %w", dir, syscall.ENOTDIR)
		}
		return nil
	}
	if !public {
		if err := os.Lchown(dir, -1, os.Getegid()); err != nil {
			return fmt.Errorf("unable to chown fifodir %s: %w", dir, err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil {
		return fmt.Errorf("unable to chmod fifodir %s: %w", dir, err)
	}
	return nil
}

// Notify writes events (in one write) to every listener fifo in dir. Fifos
// with no reader are removed, as s6 does. It returns the first error that is
// not about a single vanished listener.
func Notify(dir string, events []byte) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("unable to open fifodir %s: %w", dir, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("unable to read fifodir %s: %w", dir, err)
	}
	for _, n := range names {
		if len(n) != nameLen || !strings.HasPrefix(n, prefix) {
			continue
		}
		p := dir + "/" + n
		fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			if err == syscall.ENXIO {
				syscall.Unlink(p)
			}
			continue
		}
		_, werr := syscall.Write(fd, events)
		syscall.Close(fd)
		if werr == syscall.EPIPE {
			syscall.Unlink(p)
		}
	}
	return nil
}

// Listener is a subscription to a fifodir.
type Listener struct {
	r, w *os.File
	path string
}

const randChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Subscribe creates a listener fifo in dir, opened for reading (and held
// open for writing too, so reads never see end-of-file).
func Subscribe(dir string) (*Listener, error) {
	var suffix [6]byte
	for i := range suffix {
		suffix[i] = randChars[rand.IntN(len(randChars))]
	}
	name := prefix[:len(prefix)-1] + tai64n.Now().String() + ":" + string(suffix[:])
	hidden := filepath.Join(dir, "."+name)
	visible := filepath.Join(dir, name)
	if err := syscall.Mkfifo(hidden, 0o600); err != nil {
		return nil, fmt.Errorf("unable to create fifo %s: %w", hidden, err)
	}
	r, err := os.OpenFile(hidden, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		os.Remove(hidden)
		return nil, fmt.Errorf("unable to open fifo %s: %w", hidden, err)
	}
	w, err := os.OpenFile(hidden, os.O_WRONLY, 0)
	if err != nil {
		r.Close()
		os.Remove(hidden)
		return nil, fmt.Errorf("unable to open fifo %s: %w", hidden, err)
	}
	if err := os.Rename(hidden, visible); err != nil {
		r.Close()
		w.Close()
		os.Remove(hidden)
		return nil, fmt.Errorf("unable to rename %s: %w", hidden, err)
	}
	return &Listener{r: r, w: w, path: visible}, nil
}

// Read reads event bytes, blocking until some arrive or the deadline passes.
func (l *Listener) Read(p []byte) (int, error) { return l.r.Read(p) }

// SetDeadline bounds the next reads; the zero time means no bound.
func (l *Listener) SetDeadline(t time.Time) error { return l.r.SetReadDeadline(t) }

// Path is the listener fifo's path.
func (l *Listener) Path() string { return l.path }

// Close unsubscribes: removes the fifo and closes it.
func (l *Listener) Close() error {
	err := os.Remove(l.path)
	l.r.Close()
	l.w.Close()
	return err
}
