// Package rlimit sets resource limits the way s6-softlimit does, and knows
// about the one Go-specific trap: the Go runtime raises its own soft
// RLIMIT_NOFILE at start-up and only puts the original back when it execs or
// forks. Get reports the original (the value a program exec'ed now would
// get), so decisions match those of a C process.
package rlimit

import (
	"errors"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// Infinity is RLIM_INFINITY.
const Infinity = unix.RLIM_INFINITY

// Mode says which of the two limits a Set changes.
type Mode int

// Modes, as s6-softlimit's default, -h and -H.
const (
	Soft Mode = iota // soft only, clamped to the hard limit
	Hard             // hard only
	Both             // hard and soft
)

// Resources maps s6-softlimit's letters to the limits they set, in order.
func Resources(letter byte) []int {
	switch letter {
	case 'a':
		return []int{unix.RLIMIT_AS}
	case 'c':
		return []int{unix.RLIMIT_CORE}
	case 'd':
		return []int{unix.RLIMIT_DATA}
	case 'f':
		return []int{unix.RLIMIT_FSIZE}
	case 'l':
		return []int{unix.RLIMIT_MEMLOCK}
	case 'm':
		return []int{unix.RLIMIT_DATA, unix.RLIMIT_STACK, unix.RLIMIT_MEMLOCK, unix.RLIMIT_AS}
	case 'o':
		return []int{unix.RLIMIT_NOFILE}
	case 'p':
		return []int{unix.RLIMIT_NPROC}
	case 'r':
		return []int{unix.RLIMIT_RSS}
	case 's':
		return []int{unix.RLIMIT_STACK}
	case 't':
		return []int{unix.RLIMIT_CPU}
	}
	return nil
}

// nofileSet records that this process set RLIMIT_NOFILE itself, so the
// current value is the real one and no longer Go's raised one.
var nofileSet bool

// Self is the executable used by the probe that finds the original
// RLIMIT_NOFILE (see Get). Callers set it to their own path.
var Self = "/proc/self/exe"

// Get returns the limit a program exec'ed now would see.
func Get(res int) (syscall.Rlimit, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(res, &r); err != nil {
		return r, err
	}
	// Go raises the soft limit to exactly hard-1; anything else is not its
	// doing (or was set by us).
	if res == unix.RLIMIT_NOFILE && !nofileSet && r.Max != Infinity && r.Max > 0 && r.Cur == r.Max-1 {
		if cur, err := probeNofile(Self); err == nil {
			r.Cur = cur
		}
	}
	return r, nil
}

// Set applies value (Infinity allowed) to res in the given mode. raise means
// "=": the soft limit goes to the hard one (and in Hard/Both modes the hard
// limit goes to infinity first).
func Set(res int, mode Mode, value uint64, raise bool) error {
	var r syscall.Rlimit
	var err error
	if mode == Hard {
		// The soft limit is kept, so it must be the real one.
		r, err = Get(res)
	} else {
		err = syscall.Getrlimit(res, &r)
	}
	if err != nil {
		return err
	}
	switch {
	case raise && mode == Soft:
		r.Cur = r.Max
	case raise && mode == Hard:
		r.Max = Infinity
	case raise:
		r.Max, r.Cur = Infinity, Infinity
	case mode == Soft:
		r.Cur = min(value, r.Max)
	case mode == Hard:
		r.Max = value
	default:
		r.Max, r.Cur = value, value
	}
	// syscall.Setrlimit also tells the runtime not to put its saved
	// RLIMIT_NOFILE back at exec.
	if err := syscall.Setrlimit(res, &r); err != nil {
		return err
	}
	if res == unix.RLIMIT_NOFILE {
		nofileSet = true
	}
	return nil
}

// SetCeiling makes value (Infinity allowed) the hard limit of res and
// lowers the soft limit to it when above, so that nothing started later can
// go beyond (s6-linux-init-maker -R).
func SetCeiling(res int, value uint64) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(res, &r); err != nil {
		return err
	}
	r.Max = value
	r.Cur = min(r.Cur, value)
	if err := syscall.Setrlimit(res, &r); err != nil {
		return err
	}
	if res == unix.RLIMIT_NOFILE {
		nofileSet = true
	}
	return nil
}

// probeNofile finds the soft RLIMIT_NOFILE the runtime saved at start-up.
// The runtime restores it in every child it forks, just before execve, and
// never exposes it; so fork a child under ptrace (it stops right after its
// exec, before running any code), read its limit, and kill it. This costs a
// fork and exec and is only needed when the hard limit alone is changed.
func probeNofile(self string) (uint64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, err := syscall.ForkExec(self, []string{"rlimit-probe"}, &syscall.ProcAttr{
		Sys: &syscall.SysProcAttr{Ptrace: true},
	})
	if err != nil {
		return 0, err
	}
	defer func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, unix.WALL, nil)
			if err != syscall.EINTR {
				break
			}
		}
	}()
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, unix.WALL, nil)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	if !ws.Stopped() {
		return 0, errors.New("probe child did not stop")
	}
	var r unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &r); err != nil {
		return 0, err
	}
	return r.Cur, nil
}
