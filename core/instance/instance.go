// Package instance implements s6's dynamically instanced services: a
// service directory whose run program is a scanner on its instance/
// subdirectory; each instance is a copy of template/ kept in
// instances/NAME and linked into instance/ (see s6's instances.html).
package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"s6box/core/fsutil"
	"s6box/core/svlink"
)

// Errors the applets map to s6's messages and exit codes.
var (
	ErrBadName    = errors.New("invalid instance name")
	ErrNotRunning = errors.New("instanced service not running")
	ErrExists     = errors.New("instance appears to already exist")
	ErrInTheWay   = errors.New("unexpected file preventing instance creation")
)

// ValidName checks an instance name as s6 does: not empty, not starting
// with a dot, no blanks, and (our addition, since the name becomes a path)
// no slash.
func ValidName(name string) error {
	if name == "" || name[0] == '.' || strings.ContainsAny(name, " \t\f\r\n/") {
		return ErrBadName
	}
	return nil
}

// Path is the service directory of instance name of service sv.
func Path(sv, name string) string { return filepath.Join(sv, "instance", name) }

// CheckError is a failure to tell whether the instance scanner runs; it
// says what could not be done.
type CheckError struct {
	Op  string // "chdir to DIR", "open FILE"
	Err error
}

func (e *CheckError) Error() string { return "unable to " + e.Op + ": " + e.Err.Error() }
func (e *CheckError) Unwrap() error { return e.Err }

// CheckRunning fails with ErrNotRunning unless a scanner runs on
// sv/instance.
func CheckRunning(sv string) error {
	dir := filepath.Join(sv, "instance")
	if st, err := os.Stat(dir); err != nil {
		return &CheckError{Op: "chdir to " + dir, Err: fsutil.Bare(err)}
	} else if !st.IsDir() {
		return &CheckError{Op: "chdir to " + dir, Err: syscall.ENOTDIR}
	}
	ok, err := svlink.ScannerRunning(dir)
	if err != nil {
		return &CheckError{Op: "open " + filepath.Join(dir, ".s6-svscan", "lock"), Err: fsutil.Bare(err)}
	}
	if !ok {
		return fmt.Errorf("%w on %s", ErrNotRunning, sv)
	}
	return nil
}

// Create copies sv/template to sv/instances/name, links it into the
// instance scanner and waits for its supervisor (and its logger's) to run.
// o says how it starts (Down, RemoveDown, Public, ForceEvent).
func Create(sv, name string, o svlink.Options, deadline time.Time) error {
	if err := ValidName(name); err != nil {
		return err
	}
	old := syscall.Umask(0)
	for _, d := range []string{"instances", "instance"} {
		if err := os.Mkdir(filepath.Join(sv, d), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			syscall.Umask(old)
			return fmt.Errorf("unable to mkdir %s: %w", filepath.Join(sv, d), err)
		}
	}
	syscall.Umask(old)
	if err := CheckRunning(sv); err != nil {
		return err
	}
	dst := filepath.Join(sv, "instances", name)
	if st, err := os.Lstat(dst); err == nil {
		if st.IsDir() {
			return fmt.Errorf("%w at %s", ErrExists, dst)
		}
		return fmt.Errorf("%w at %s", ErrInTheWay, dst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unable to stat %s: %w", dst, err)
	}
	if err := fsutil.CopyTree(filepath.Join(sv, "template"), dst, fsutil.CopyOptions{}); err != nil {
		os.RemoveAll(dst)
		return err
	}
	o.Targets = []string{filepath.Join("..", "instances", name)}
	if err := svlink.Link(filepath.Join(sv, "instance"), []string{dst}, []string{name}, o, deadline); err != nil {
		os.RemoveAll(dst)
		return err
	}
	return nil
}

// Delete unlinks instance name from the instance scanner, waits (if wait)
// for its supervisor to exit, and removes its copy of the template. A
// deadline passing is not an error, as in s6.
func Delete(sv, name string, wait bool, deadline time.Time) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := CheckRunning(sv); err != nil {
		return err
	}
	err := svlink.Unlink(filepath.Join(sv, "instance"), []string{name}, wait, deadline)
	if err != nil && !errors.Is(err, svlink.ErrTimeout) {
		return err
	}
	return os.RemoveAll(filepath.Join(sv, "instances", name))
}

// List names the instances of sv (sorted; s6 leaves the order unspecified).
func List(sv string) ([]string, error) {
	if err := CheckRunning(sv); err != nil {
		return nil, err
	}
	dir := filepath.Join(sv, "instance")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("unable to readdir %s: %w", dir, fsutil.Bare(err))
	}
	var names []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}
