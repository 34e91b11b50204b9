package scanner

import (
	"errors"
	"sort"
	"strings"
	"syscall"
)

// fdReserve is how many descriptors the scanner keeps for itself and its
// supervisors' passing needs (reading the scan directory, control, signal
// scripts, forks, status and event files): it starts no new supervisor once
// descriptor number limit − fdReserve(limit) is in use. A quarter of the
// limit, at least minFdReserve and at most maxFdReserve: with a small limit
// the scanner must still be able to rescan and obey svscanctl, and a
// supervisor must still be able to write its status.
func fdReserve(limit uint64) uint64 {
	return min(max(limit/4, minFdReserve), maxFdReserve)
}

const (
	minFdReserve = 16
	maxFdReserve = 64
)

// fdsShort reports whether fewer than fdReserve descriptors are free. The
// kernel hands out the lowest free number, so as long as number
// limit−fdReserve is not open, at most that many are in use (give or take
// descriptors closed since) and one fcntl says so. When it is open, the
// table may still have holes (services removed since): then the open
// descriptors are counted.
// Near a limit above 2^20, it reports a shortage.
func (s *Scanner) fdsShort() bool {
	limit := s.nofile.Cur
	if limit >= 1<<30 {
		return false
	}
	r := fdReserve(limit)
	if limit <= r {
		return true
	}
	_, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(limit-r), syscall.F_GETFD, 0)
	if e != 0 {
		return false
	}
	n, ok := openFds(int(limit))
	return !ok || uint64(n) >= limit-r
}

// openFds counts the open descriptors below limit with fcntl(F_GETFD) on
// each: it needs no descriptor itself, unlike reading /proc/self/fd, and
// unlike poll(2) it sees O_PATH descriptors (the supervisors' pinned
// service directories). ok is false above 2^20 descriptors.
func openFds(limit int) (n int, ok bool) {
	if limit > 1<<20 {
		return 0, false
	}
	for fd := 0; fd < limit; fd++ {
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e == 0 {
			n++
		}
	}
	return n, true
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
