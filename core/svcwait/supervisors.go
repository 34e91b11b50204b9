package svcwait

import (
	"fmt"
	"path/filepath"
	"syscall"
	"time"

	"s6box/core/ftrig"
)

// recheck bounds each wait for an event: a supervisor that started before
// the subscription (or one that sends no 's' event) is still noticed.
const recheck = 50 * time.Millisecond

// Supervised reports whether a supervisor listens on dir/supervise/control
// (a non-blocking open for writing fails with ENXIO when nobody reads) and
// has published its status. A supervisor opens its control fifo before it
// writes its first status: a client that saw only the fifo could read no
// status yet (seen once as rc's "unable to start service …: command
// exited 111" on a loaded machine).
func Supervised(dir string) bool {
	fd, err := syscall.Open(filepath.Join(dir, "supervise", "control"), syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	var st syscall.Stat_t
	return syscall.Lstat(filepath.Join(dir, "supervise", "status"), &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG
}

// Supervisors subscribes to the event fifodir of every dir (creating it,
// as s6-supervise would), calls trigger (nil: none; typically the
// scanner's rescan) and waits until a supervisor listens on each dir's
// control fifo. A starting supervisor announces itself with an 's' event,
// which ends the wait for its directory at once, with no polling. alive
// (nil: not checked) is called at each wake-up; its error ends the wait
// (the scanner died). A trigger failure comes back as a *TriggerError, the
// deadline (zero: none) as ErrTimeout.
func Supervisors(dirs []string, deadline time.Time, trigger func() error, alive func() error) error {
	ls := make([]*ftrig.Listener, 0, len(dirs))
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, d := range dirs {
		ev := filepath.Join(d, "event")
		if err := ftrig.MakeFifodir(ev, false, false); err != nil {
			return fmt.Errorf("unable to subscribe to events for %s: %w", d, err)
		}
		l, err := ftrig.Subscribe(ev)
		if err != nil {
			return fmt.Errorf("unable to subscribe to events for %s: %w", d, err)
		}
		ls = append(ls, l)
	}
	if trigger != nil {
		if err := trigger(); err != nil {
			return &TriggerError{Err: err}
		}
	}
	var buf [64]byte
	for i, d := range dirs {
		for !Supervised(d) {
			if alive != nil {
				if err := alive(); err != nil {
					return err
				}
			}
			now := time.Now()
			if !deadline.IsZero() && !now.Before(deadline) {
				return fmt.Errorf("no supervisor for %s: %w", d, ErrTimeout)
			}
			until := now.Add(recheck)
			if !deadline.IsZero() && deadline.Before(until) {
				until = deadline
			}
			ls[i].SetDeadline(until)
			if _, err := ls[i].Read(buf[:]); err != nil && err != ftrig.ErrDeadline {
				return err
			}
		}
	}
	return nil
}
