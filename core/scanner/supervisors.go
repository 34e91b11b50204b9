package scanner

import (
	"syscall"
	"time"
)

func (s *Scanner) handleEvent(ev event) {
	switch {
	case ev.rescan:
		s.retry = false
		s.scan()
	case ev.dead != nil:
		sl := ev.dead
		if sl.h != ev.h {
			return
		}
		sl.h = nil
		sv := sl.svc
		if s.exit == running && sv.active {
			s.scheduleRestart(sl)
			return
		}
		s.settle(sv)
	case ev.restart != nil:
		sl := ev.restart
		sl.restartAt = false
		if s.exit == running && sl.svc.active && sl.h == nil {
			s.startSlot(sl)
		} else if sl.h == nil {
			s.settle(sl.svc)
		}
	}
}

// settle closes what a service that is no longer wanted does not need:
// the pipe's write end once its main supervisor is gone (so the logger
// sees EOF), the read end and the service itself once both are gone.
func (s *Scanner) settle(sv *service) {
	if sv.gone {
		return
	}
	if sv.main.h == nil && sv.pw >= 0 {
		syscall.Close(sv.pw)
		sv.pw = -1
	}
	if sv.main.h != nil || (sv.log != nil && sv.log.h != nil) {
		return
	}
	if sv.pr >= 0 {
		syscall.Close(sv.pr)
		sv.pr = -1
	}
	sv.gone = true
	delete(s.services, sv.key)
	s.nslots--
	if sv.log != nil {
		s.nslots--
	}
}

func (s *Scanner) scheduleRestart(sl *slot) {
	if sl.restartAt {
		return
	}
	sl.restartAt = true
	time.AfterFunc(restartDelay, func() { s.events <- event{restart: sl} })
}

// prune stops the supervisors of inactive services: SIGTERM to the main
// one, logSig (HUP: exit once the logger is down; TERM) to the logger's.
func (s *Scanner) prune(logSig syscall.Signal) {
	for _, sv := range s.services {
		if sv.active {
			continue
		}
		s.kill(sv, syscall.SIGTERM, logSig)
	}
}

func (s *Scanner) kill(sv *service, mainSig, logSig syscall.Signal) {
	if sv.main.h != nil {
		sig := mainSig
		if sv.special {
			sig = logSig
		}
		sv.main.h.Signal(sig)
	}
	if sv.log != nil && sv.log.h != nil {
		sv.log.h.Signal(logSig)
	}
}
