package scanner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
)

func (s *Scanner) scheduleRescan() {
	if s.retry {
		return
	}
	s.retry = true
	time.AfterFunc(scanRetryDelay, func() { s.events <- event{rescan: true} })
}

// scan reads the scan directory, starts new services, revives inactive
// ones that came back and marks vanished ones inactive.
func (s *Scanner) scan() {
	f, err := os.Open(s.dir)
	if err != nil {
		s.logf("warning", "unable to open scan directory %s: %v", s.dir, fsutil.Bare(err))
		s.scheduleRescan()
		return
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		s.logf("warning", "unable to read scan directory %s: %v", s.dir, fsutil.Bare(err))
		s.scheduleRescan()
		return
	}
	sort.Strings(names)
	s.forgetUnknownShortages()
	s.batch = s.batch[:0]
	s.scanStarted = 0
	seen := map[devino]bool{}
	for _, name := range names {
		if name == "" || name[0] == '.' {
			continue
		}
		if len(name) > s.c.NameMax {
			s.warnOnce("name:"+name, "ignoring %s/%s: name longer than %d bytes", s.dir, name, s.c.NameMax)
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err != nil {
			if err == unix.ENOENT {
				// A dangling symlink: nothing to supervise.
				s.warnOnce("stat:"+name, "ignoring %s/%s: %v", s.dir, name, err)
				continue
			}
			s.logf("warning", "unable to stat %s/%s: %v", s.dir, name, err)
			s.scheduleRescan()
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		delete(s.warned, "stat:"+name)
		key := devino{uint64(st.Dev), st.Ino}
		if seen[key] {
			continue
		}
		seen[key] = true
		if sv := s.services[key]; sv != nil {
			sv.name = name
			if !sv.active {
				s.logf("info", "service %s/%s is back, active again", s.dir, name)
				sv.active = true
				for _, sl := range sv.slots() {
					if sl.h == nil {
						s.batch = append(s.batch, sl)
					}
				}
			}
			continue
		}
		s.newService(name, key)
	}
	for key, sv := range s.services {
		if !seen[key] && sv.active {
			sv.active = false
			s.logf("info", "service %s/%s has disappeared from the scan directory: now inactive (svscanctl -n stops it)", s.dir, sv.name)
			if sv.main.h == nil && (sv.log == nil || sv.log.h == nil) {
				s.settle(sv)
			}
		}
	}
	s.startBatch()
	s.reportShortage()
	if s.scanStarted > 0 && s.c.Started != nil {
		s.c.Started(s.scanStarted)
	}
}

func (sv *service) slots() []*slot {
	if sv.log != nil {
		return []*slot{sv.main, sv.log}
	}
	return []*slot{sv.main}
}

func (s *Scanner) newService(name string, key devino) {
	sv := &service{key: key, name: name, active: true, pr: -1, pw: -1}
	sv.main = &slot{svc: sv, name: name}
	need := 1
	if name == LoggerName {
		sv.special = true
	} else if st, err := os.Stat(filepath.Join(name, "log")); err == nil && st.IsDir() {
		need = 2
	}
	if s.nslots+need > s.c.MaxServices {
		s.warnOnce("max:"+name, "unable to supervise %s/%s: too many services (maximum %d supervisors, loggers included; raise it with -C)", s.dir, name, s.c.MaxServices)
		return
	}
	if _, err := os.Stat(filepath.Join(name, "run")); err != nil {
		s.logf("warning", "service directory %s/%s has no usable run file (%v): its supervisor will retry", s.dir, name, fsutil.Bare(err))
	}
	if s.fdsShort() {
		s.fdShortage(name)
		s.scheduleRescan()
		return
	}
	if need == 2 {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			if isFdShortage(err) {
				s.fdShortage(name)
			} else {
				s.warnOnce("pipe:"+name, "unable to create the logger pipe of %s/%s: %v", s.dir, name, err)
			}
			s.scheduleRescan()
			return
		}
		sv.pr, sv.pw = p[0], p[1]
		sv.log = &slot{svc: sv, name: name + "/log", logger: true}
		if _, err := os.Stat(filepath.Join(name, "log", "run")); err != nil {
			s.logf("warning", "logger directory %s/%s/log has no usable run file (%v): its supervisor will retry", s.dir, name, fsutil.Bare(err))
		}
	}
	delete(s.warned, "max:"+name)
	s.fdOK(name)
	s.nslots += need
	s.services[key] = sv
	if sv.log != nil {
		s.batch = append(s.batch, sv.log)
	}
	s.batch = append(s.batch, sv.main)
	// Started as the scan goes: a service's pipe and its supervisors take
	// descriptors together, so a shortage leaves whole services running.
	if len(s.batch) >= s.parallel() {
		s.startBatch()
	}
}

// limitHint explains EMFILE in terms of RLIMIT_NOFILE.
func (s *Scanner) limitHint(err error) string {
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
		return ""
	}
	return fmt.Sprintf(" (RLIMIT_NOFILE is %d soft, %d hard: raise the hard limit, e.g. ulimit -Hn, to supervise more services; the others stay supervised)", s.nofile.Cur, s.nofile.Max)
}

func (s *Scanner) startSlot(sl *slot) { s.startSlots([]*slot{sl}) }

// startBatch starts the supervisors a scan found.
func (s *Scanner) startBatch() {
	s.scanStarted += len(s.batch)
	s.startSlots(s.batch)
	s.batch = s.batch[:0]
}

// startParallel is how many supervisors are started at once: each start
// is mostly waiting (file-system operations, the fork and exec of run), so
// a burst such as the first scan goes faster several at a time. Each
// start may take a few descriptors before the next shortage check: the
// number stays well within the reserve (fdlimit.go).
const startParallel = 4

// startSlots starts supervisors, several at once; the scanner's state is
// only touched here, in the scanner's goroutine, before and after.
func (s *Scanner) startSlots(sls []*slot) {
	par := s.parallel()
	type job struct {
		sl   *slot
		spec Spec
		h    Handle
		err  error
	}
	for len(sls) > 0 {
		var jobs []*job
		for len(sls) > 0 && len(jobs) < par {
			sl := sls[0]
			sls = sls[1:]
			if spec, ok := s.prepare(sl); ok {
				jobs = append(jobs, &job{sl: sl, spec: spec})
			}
		}
		if len(jobs) == 1 {
			jobs[0].h, jobs[0].err = s.startHost(jobs[0].spec)
		} else {
			var wg sync.WaitGroup
			for _, j := range jobs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					j.h, j.err = s.startHost(j.spec)
				}()
			}
			wg.Wait()
		}
		for _, j := range jobs {
			s.finishStart(j.sl, j.h, j.err)
		}
	}
}

func (s *Scanner) parallel() int {
	return max(min(startParallel, int(fdReserve(s.nofile.Cur)/8)), 1)
}

// prepare builds a slot's Spec; false when it cannot start now (a retry
// is scheduled).
func (s *Scanner) prepare(sl *slot) (Spec, bool) {
	sv := sl.svc
	spec := Spec{Name: sl.name, Stdin: 0, Stdout: 1, Stderr: 2}
	switch {
	case sl.logger:
		spec.Stdin = sv.pr
		spec.Logger = true
	case sv.log != nil:
		spec.Stdout = sv.pw
	case sv.special && s.c.ConsoleFd >= 0:
		spec.Stderr = s.c.ConsoleFd
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(s.dir, sl.name))
	if err != nil {
		s.warnOnce("start:"+sl.name, "unable to supervise %s/%s: %v", s.dir, sl.name, fsutil.Bare(err))
		s.scheduleRestart(sl)
		return spec, false
	}
	spec.Dir = dir
	if s.fdsShort() {
		s.fdShortage(sl.name)
		s.scheduleRestart(sl)
		return spec, false
	}
	return spec, true
}

func (s *Scanner) finishStart(sl *slot, h Handle, err error) {
	if err != nil {
		if isFdShortage(err) {
			s.fdShortage(sl.name)
		} else {
			s.warnOnce("start:"+sl.name, "unable to supervise %s/%s: %v", s.dir, sl.name, err)
		}
		s.scheduleRestart(sl)
		return
	}
	s.fdOK(sl.name)
	delete(s.warned, "start:"+sl.name)
	sl.h = h
	go func() {
		<-h.Done()
		if a, ok := h.(interface{ AfterExit() }); ok {
			a.AfterExit()
		}
		s.events <- event{dead: sl, h: h}
	}()
}

// startHost calls the host, turning a panic into an error so one broken
// service cannot take the scanner down.
func (s *Scanner) startHost(spec Spec) (h Handle, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("supervisor panicked while starting: %v", r)
		}
	}()
	return s.c.Host.Start(spec)
}
