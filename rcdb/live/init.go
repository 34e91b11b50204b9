package live

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"s6box/core/fsutil"
	"s6box/core/ftrig"
	"s6box/core/svcwait"
	"s6box/rcdb"
)

// InitOptions are s6-rc-init's parameters.
type InitOptions struct {
	BootDB      string
	BootDBGiven bool // -c was given (no fallback to the parent directory)
	Live        string
	Prefix      string
	Scandir     string
	Deref       bool
	Timeout     time.Duration // 0 = wait forever for the supervisors
	Info, Warn  func(format string, a ...any)
}

// SvscanRunning reports whether a scanner listens on scandir's control fifo.
func SvscanRunning(scandir string) bool {
	f, err := os.OpenFile(filepath.Join(scandir, ".s6-svscan", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func svscanCommand(scandir, cmd string) error {
	f, err := os.OpenFile(filepath.Join(scandir, ".s6-svscan", "control"), os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.WriteString(f, cmd)
	return err
}

// Supervised reports whether a supervisor listens on dir/supervise/control.
func Supervised(dir string) bool { return svcwait.Supervised(dir) }

// ResolveBootDB implements the boot-db fallback for guides written for
// s6-rc < 0.6 (default /etc/s6-rc/compiled rather than .../compiled/current):
// when -c was not given, the default path does not exist and its parent is
// itself a compiled database, the parent is used. ok reports a fallback.
func ResolveBootDB(path string, given bool) (string, bool) {
	if given {
		return path, false
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return path, false
	}
	if parent := filepath.Dir(path); rcdb.LooksCompiled(parent) {
		return parent, true
	}
	return path, false
}

// Init creates the live directory and puts every longrun under supervision
// (down). It returns nil also when the same live state already runs.
func Init(o InitOptions) error {
	if p, ok := ResolveBootDB(o.BootDB, o.BootDBGiven); ok {
		o.Info("%s does not exist, using the compiled database at %s", o.BootDB, p)
		o.BootDB = p
	}
	bootdb := o.BootDB
	if o.Deref {
		p, err := filepath.EvalSymlinks(bootdb)
		if err != nil {
			return rcdb.Errorf(111, "unable to resolve %s: %v", bootdb, rcdb.Unwrap(err))
		}
		bootdb = p
	}
	if !SvscanRunning(o.Scandir) {
		return rcdb.Errorf(100, "s6-svscan is not running on %s", o.Scandir)
	}
	if done, err := existing(o, bootdb); done || err != nil {
		return err
	}
	if _, err := os.Stat(bootdb); err != nil {
		return rcdb.Errorf(111, "unable to open %s: %v", bootdb, rcdb.Unwrap(err))
	}
	db, err := rcdb.Load(bootdb)
	if err != nil {
		return err
	}
	parent, base := filepath.Dir(o.Live), filepath.Base(o.Live)
	tmp, err := os.MkdirTemp(parent, base+":s6-rc-init:")
	if err != nil {
		return rcdb.Errorf(111, "unable to create a live directory in %s: %v", parent, rcdb.Unwrap(err))
	}
	undo := func() { os.RemoveAll(tmp) }
	steps := []func() error{
		func() error { return os.Chmod(tmp, 0o755) },
		func() error { return os.Symlink(bootdb, filepath.Join(tmp, "compiled")) },
		func() error { return os.Symlink(o.Scandir, filepath.Join(tmp, "scandir")) },
		func() error { return os.WriteFile(filepath.Join(tmp, "prefix"), []byte(o.Prefix), 0o644) },
		func() error { return os.WriteFile(filepath.Join(tmp, "state"), make([]byte, len(db.Atoms)), 0o644) },
		func() error { return os.WriteFile(filepath.Join(tmp, "lock"), nil, 0o644) },
		func() error {
			return fsutil.CopyTree(filepath.Join(bootdb, "servicedirs"), filepath.Join(tmp, "servicedirs"), fsutil.CopyOptions{})
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			undo()
			return rcdb.Errorf(111, "unable to create the live directory %s: %v", tmp, err)
		}
	}
	if err := swapLink(filepath.Base(tmp), o.Live); err != nil {
		undo()
		return rcdb.Errorf(111, "unable to link %s to %s: %v", o.Live, tmp, err)
	}
	var names []string
	for i := 0; i < db.NLong; i++ {
		names = append(names, db.Atoms[i].Name)
	}
	if err := LinkServices(tmp, o.Scandir, o.Prefix, names, o.Timeout); err != nil {
		for _, n := range names {
			os.Remove(filepath.Join(o.Scandir, o.Prefix+n))
		}
		os.Remove(o.Live)
		undo()
		if !SvscanRunning(o.Scandir) {
			return rcdb.Errorf(100, "s6-svscan is not running on %s", o.Scandir)
		}
		return rcdb.Errorf(111, "unable to supervise service directories in %s/servicedirs: %v", o.Live, err)
	}
	return nil
}

// swapLink makes link a symlink to target, atomically replacing it.
func swapLink(target, link string) error {
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// SwapLink is swapLink for other packages (rc-update).
func SwapLink(target, link string) error { return swapLink(target, link) }

// LinkServices puts the named service directories of the live directory
// realDir under supervision, down: it creates ./down and event/, links them
// into the scan directory, asks the scanner to rescan and waits until every
// supervisor listens (woken by their start events, see svcwait.Supervisors).
func LinkServices(realDir, scandir, prefix string, names []string, timeout time.Duration) error {
	for _, n := range names {
		dir := filepath.Join(realDir, "servicedirs", n)
		if err := os.WriteFile(filepath.Join(dir, "down"), nil, 0o644); err != nil {
			return err
		}
		if err := ftrig.MakeFifodir(filepath.Join(dir, "event"), false, false); err != nil {
			return err
		}
		link := filepath.Join(scandir, prefix+n)
		os.Remove(link)
		if err := os.Symlink(dir, link); err != nil {
			return err
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	dirs := make([]string, len(names))
	for i, n := range names {
		dirs[i] = filepath.Join(realDir, "servicedirs", n)
	}
	// Subscribed before the rescan: each supervisor's 's' event ends the
	// wait for it at once.
	err := svcwait.Supervisors(dirs, deadline, func() error { return svscanCommand(scandir, "a") }, func() error {
		if !SvscanRunning(scandir) {
			return errors.New("s6-svscan exited")
		}
		return nil
	})
	var te *svcwait.TriggerError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("unable to send a rescan command to s6-svscan: %w", te.Err)
	case errors.Is(err, svcwait.ErrTimeout):
		return fmt.Errorf("timed out waiting for the supervisors: %w", err)
	}
	return err
}

// existing handles a live directory that is already there: the same setup
// is a success, a different one an error (exit 102), one without
// supervisors is replaced.
func existing(o InitOptions, bootdb string) (bool, error) {
	st, err := os.Stat(o.Live)
	if errors.Is(err, os.ErrNotExist) {
		return recoverLive(o, bootdb)
	}
	if err != nil || !st.IsDir() {
		return false, nil
	}
	if !Supervised(filepath.Join(o.Live, "servicedirs", rcdb.FdholderName)) {
		o.Warn("directory %s looks like a live directory but has no supervisors; replacing it", o.Live)
		if fi, err := os.Lstat(o.Live); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			if real, err := filepath.EvalSymlinks(o.Live); err == nil {
				os.RemoveAll(real)
			}
			os.Remove(o.Live)
		}
		return false, nil
	}
	if s, _ := os.Readlink(filepath.Join(o.Live, "scandir")); s != o.Scandir {
		return true, rcdb.Errorf(102, "existing livedir at %s uses scandir at %s rather than %s", o.Live, s, o.Scandir)
	}
	if p, _ := os.ReadFile(filepath.Join(o.Live, "prefix")); string(p) != o.Prefix {
		return true, rcdb.Errorf(102, "prefix mismatch with the existing livedir at %s", o.Live)
	}
	if c, _ := os.Readlink(filepath.Join(o.Live, "compiled")); c != bootdb {
		return true, rcdb.Errorf(102, "existing livedir at %s uses bootdb at %s rather than %s", o.Live, c, bootdb)
	}
	o.Info("s6-rc already running on %s", o.Live)
	return true, nil
}

// matches reports whether dir is a live directory with supervisors for the
// same scandir, prefix and bootdb.
func matches(dir string, o InitOptions, bootdb string) bool {
	s, _ := os.Readlink(filepath.Join(dir, "scandir"))
	p, _ := os.ReadFile(filepath.Join(dir, "prefix"))
	c, _ := os.Readlink(filepath.Join(dir, "compiled"))
	return s == o.Scandir && string(p) == o.Prefix && c == bootdb &&
		Supervised(filepath.Join(dir, "servicedirs", rcdb.FdholderName))
}

// recoverLive handles a missing live link whose directory still runs (the
// link was deleted): the link is recreated.
func recoverLive(o InitOptions, bootdb string) (bool, error) {
	cands, _ := filepath.Glob(o.Live + ":s6-rc-*")
	for _, d := range cands {
		if st, err := os.Lstat(d); err != nil || !st.IsDir() || !matches(d, o, bootdb) {
			continue
		}
		if err := swapLink(filepath.Base(d), o.Live); err != nil {
			return true, rcdb.Errorf(111, "unable to link %s to %s: %v", o.Live, d, err)
		}
		o.Info("s6-rc already running on %s - recovering it", d)
		return true, nil
	}
	return false, nil
}
