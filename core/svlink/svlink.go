// Package svlink adds service directories to a running scan directory and
// takes them out again, waiting for their supervisors to start or to exit,
// as s6's s6-svlink and s6-svunlink (and the instance tools) do: listen on
// each service's event fifodir first, then make the link, then tell the
// scanner to rescan, then wait for the supervisor's start ('s') or exit
// ('x') event, so there is no race with the scanner.
package svlink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"s6box/core/fsutil"
	"s6box/core/ftrig"
	"s6box/core/ftrigwait"
	"s6box/core/lock"
	"s6box/core/scanner"
	"s6box/core/svc"
)

// ErrTimeout is returned when the deadline passes before the supervisors
// started (Link) or exited (Unlink).
var ErrTimeout = ftrigwait.ErrTimeout

// ErrLogMismatch: a service and its log/ sub-service are not both
// supervised or both unsupervised.
var ErrLogMismatch = errors.New("service and its logger disagree on being supervised")

// Options are s6_supervise_link's option bits.
type Options struct {
	ForceEvent bool // enforce event/'s public or private mode even if it exists
	Public     bool // event/ is created listenable by everyone
	Down       bool // create a down file, so the supervisor starts the service down
	RemoveDown bool // remove the down file once the supervisor is running
	Relative   bool // link relative service directory paths as they are
	// Targets, when set, are what the links point to (one per service
	// directory), for directories named from here but linked relative to
	// the scan directory (instances: instance/NAME -> ../instances/NAME).
	Targets []string
}

// Supervised reports whether a supervisor holds DIR/supervise/lock.
func Supervised(dir string) (bool, error) {
	ok, err := lock.IsLocked(filepath.Join(dir, "supervise", "lock"))
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return ok, err
}

// ScannerRunning reports whether a scanner holds SCANDIR/.s6-svscan/lock;
// the lock file must exist.
func ScannerRunning(scandir string) (bool, error) {
	p := filepath.Join(scandir, ".s6-svscan", "lock")
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("unable to open %s: %w", p, fsutil.Bare(err))
	}
	f.Close()
	ok, err := lock.IsLocked(p)
	if err != nil {
		return false, fmt.Errorf("unable to check lock on %s: %w", p, err)
	}
	return ok, nil
}

// hasLog says whether dir/log is a sub-service; its supervision state must
// agree with the service's own.
func hasLog(dir string, supervised bool) (bool, error) {
	st, err := os.Stat(filepath.Join(dir, "log"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, fmt.Errorf("%s/log: %w", dir, syscall.ENOTDIR)
	}
	l, err := Supervised(filepath.Join(dir, "log"))
	if err != nil {
		return false, err
	}
	if l != supervised {
		return false, fmt.Errorf("%s: %w", dir, ErrLogMismatch)
	}
	return true, nil
}

var startPattern = byteMatcher('s')
var exitPattern = byteMatcher('x')

// byteMatcher matches when a given event byte has been seen.
type byteMatcher byte

func (m byteMatcher) MatchEnd(b []byte, _ bool) (int, bool) {
	for i, c := range b {
		if c == byte(m) {
			return i + 1, true
		}
	}
	return 0, false
}

// Link links each dirs[i] into scandir as names[i], makes the scanner
// rescan and waits until a supervisor runs on each of them (and on its
// logger). Services already supervised are linked (an existing link is
// kept) but not waited for. On failure the links made are removed again
// and their new supervisors told to exit.
func Link(scandir string, dirs, names []string, o Options, deadline time.Time) error {
	if len(dirs) != len(names) || (o.Targets != nil && len(o.Targets) != len(dirs)) {
		return errors.New("svlink: one name per service directory")
	}
	type svc struct {
		dir, name        string
		supervised, logd bool
	}
	list := make([]svc, len(dirs))
	for i, d := range dirs {
		sup, err := Supervised(d)
		if err != nil {
			return err
		}
		logd, err := hasLog(d, sup)
		if err != nil {
			return err
		}
		list[i] = svc{dir: d, name: names[i], supervised: sup, logd: logd}
	}
	var wdirs []string
	for _, s := range list {
		if s.supervised {
			continue
		}
		wdirs = append(wdirs, s.dir)
		if s.logd {
			wdirs = append(wdirs, filepath.Join(s.dir, "log"))
		}
	}
	for _, d := range wdirs {
		if o.Down {
			if err := os.WriteFile(filepath.Join(d, "down"), nil, 0o644); err != nil {
				return fmt.Errorf("unable to create %s/down: %w", d, err)
			}
		}
		if err := ftrig.MakeFifodir(filepath.Join(d, "event"), o.Public, o.ForceEvent); err != nil {
			return err
		}
	}
	pats := make([]ftrigwait.Matcher, len(wdirs))
	evdirs := make([]string, len(wdirs))
	for i, d := range wdirs {
		pats[i], evdirs[i] = startPattern, filepath.Join(d, "event")
	}
	w, err := ftrigwait.Subscribe(evdirs, pats)
	if err != nil {
		return err
	}
	defer w.Close()
	var linked []string
	undo := func(told bool) {
		for _, n := range linked {
			unlinkOne(scandir, n, told, o.Down)
		}
	}
	for i, s := range list {
		src := s.dir
		if o.Targets != nil {
			src = o.Targets[i]
		} else if !o.Relative && !filepath.IsAbs(src) {
			if src, err = filepath.Abs(src); err == nil {
				src, err = filepath.EvalSymlinks(src)
			}
			if err != nil {
				undo(false)
				return fmt.Errorf("unable to resolve %s: %w", s.dir, err)
			}
		}
		ln := filepath.Join(scandir, s.name)
		if err := os.Symlink(src, ln); err != nil {
			if !(s.supervised && errors.Is(err, os.ErrExist)) {
				undo(false)
				return fmt.Errorf("unable to link %s to %s: %w", ln, src, err)
			}
		} else {
			linked = append(linked, s.name)
		}
	}
	if err := scanner.Control(scandir, []byte("a")); err != nil {
		undo(false)
		return err
	}
	if err := w.Wait(true, deadline); err != nil {
		undo(true)
		return err
	}
	if o.RemoveDown {
		for _, s := range list {
			os.Remove(filepath.Join(scandir, s.name, "down"))
		}
	}
	return nil
}

// unlinkOne removes scandir/name; when the scanner was already told about
// it, its supervisors (service and logger) are told to exit, the service
// going down first.
func unlinkOne(scandir, name string, told, down bool) {
	p := filepath.Join(scandir, name)
	if down {
		os.Remove(filepath.Join(p, "down"))
	}
	os.Remove(p)
	if told {
		svc.Write(p, []byte("xd"))
		svc.Write(filepath.Join(p, "log"), []byte("xo"))
	}
}

// Unlink removes the links scandir/names[i], makes the scanner rescan and
// drop inactive services and, if wait, waits until their supervisors (and
// their loggers') have exited. With wait, ErrTimeout says the deadline
// passed first; s6 treats that as success.
func Unlink(scandir string, names []string, wait bool, deadline time.Time) error {
	var evdirs []string
	if wait {
		for _, n := range names {
			p := filepath.Join(scandir, n)
			sup, err := Supervised(p)
			if err != nil {
				return err
			}
			logd, err := hasLog(p, sup)
			if err != nil {
				return err
			}
			if !sup {
				continue
			}
			evdirs = append(evdirs, p)
			if logd {
				evdirs = append(evdirs, filepath.Join(p, "log"))
			}
		}
	}
	// Subscribe through the link's target: the link is about to go.
	var real []string
	for _, d := range evdirs {
		r, err := filepath.EvalSymlinks(filepath.Join(d, "event"))
		if err == nil {
			real = append(real, r)
		}
	}
	pats := make([]ftrigwait.Matcher, len(real))
	for i := range pats {
		pats[i] = exitPattern
	}
	w, err := ftrigwait.Subscribe(real, pats)
	if err != nil {
		w = nil
	}
	for _, n := range names {
		os.Remove(filepath.Join(scandir, n))
	}
	scanner.Control(scandir, []byte("an"))
	if w == nil {
		return nil
	}
	defer w.Close()
	return w.Wait(true, deadline)
}
