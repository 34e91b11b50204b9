package scanner

import (
	"errors"
	"sort"
	"strings"
	"syscall"
)

// fdReserve is how many descriptors the scanner keeps for itself (reading
// the scan directory, control, signal scripts, forks): it starts no new
// supervisor once descriptor number soft-limit − fdReserve is in use.
const fdReserve = 64

// fdsShort reports whether the descriptor table is nearly full. The kernel
// hands out the lowest free number, so when number limit−fdReserve is
// open, (nearly) all below it are too.
func (s *Scanner) fdsShort() bool {
	if s.nofile.Cur >= 1<<30 || s.nofile.Cur < 2*fdReserve {
		return false
	}
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(s.nofile.Cur-fdReserve), syscall.F_GETFD, 0)
	return e == 0
}

func isFdShortage(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// fdShortage records that name could not be supervised for lack of file
// descriptors. The first one gets a full warning naming the limit; the
// rest are summed up after each scan (reportShortage), not one line each.
func (s *Scanner) fdShortage(name string) {
	if s.short == nil {
		s.short = map[string]bool{}
	}
	if len(s.short) == 0 && s.shortReported == 0 {
		s.logf("warning", "unable to supervise %s/%s: too few file descriptors%s", s.dir, name, s.limitHint(syscall.EMFILE))
	}
	s.short[name] = true
}

func (s *Scanner) fdOK(name string) { delete(s.short, name) }

// reportShortage prints how many services wait for descriptors, when that
// number changed.
func (s *Scanner) reportShortage() {
	n := len(s.short)
	if n == s.shortReported {
		return
	}
	s.shortReported = n
	if n == 0 {
		s.logf("info", "every service in %s is supervised again", s.dir)
		return
	}
	names := make([]string, 0, n)
	for k := range s.short {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > 5 {
		names = append(names[:5], "…")
	}
	s.logf("warning", "%d services in %s are not supervised for lack of file descriptors (%s)%s", n, s.dir, strings.Join(names, ", "), s.limitHint(syscall.EMFILE))
}

// forgetUnknownShortages drops waiting names that belong to no known
// service: the scan about to run re-adds those still in the directory.
func (s *Scanner) forgetUnknownShortages() {
	if len(s.short) == 0 {
		return
	}
	known := map[string]bool{}
	for _, sv := range s.services {
		for _, sl := range sv.slots() {
			known[sl.name] = true
		}
	}
	for k := range s.short {
		if !known[k] {
			delete(s.short, k)
		}
	}
}
