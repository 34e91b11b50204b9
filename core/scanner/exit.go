package scanner

import "syscall"

func (s *Scanner) startExit(mode int) {
	if mode <= s.exit {
		return
	}
	s.exit = mode
	logSig := syscall.SIGHUP
	if mode == quit {
		logSig = syscall.SIGTERM
	}
	for _, sv := range s.services {
		s.kill(sv, syscall.SIGTERM, logSig)
		s.settle(sv)
	}
}

// leave is the exit sequence: the kills were sent by startExit; wait for
// the supervisors (not on abort), restore the console.
func (s *Scanner) leave() {
	for _, sv := range s.services {
		if sv.special {
			if fd, err := syscall.Open("/dev/null", syscall.O_WRONLY, 0); err == nil {
				syscall.Dup3(fd, 1, 0)
				syscall.Close(fd)
			}
			break
		}
	}
	if !s.abort {
		for s.alive() > 0 && !s.abort {
			select {
			case ev := <-s.events:
				s.handleEvent(ev)
			case b := <-s.ctl:
				for _, c := range b {
					if c == 'b' {
						s.abort = true
					}
				}
			case sig := <-s.sigs:
				if sig == syscall.SIGABRT {
					s.abort = true
				}
			}
		}
	}
	for _, sv := range s.services {
		for _, fd := range []int{sv.pr, sv.pw} {
			if fd >= 0 {
				syscall.Close(fd)
			}
		}
		sv.pr, sv.pw = -1, -1
	}
	if s.c.ConsoleFd >= 0 {
		syscall.Dup3(s.c.ConsoleFd, 2, 0)
		syscall.Dup3(s.c.ConsoleFd, 1, 0)
	}
}

func (s *Scanner) alive() int {
	n := 0
	for _, sv := range s.services {
		for _, sl := range sv.slots() {
			if sl.h != nil {
				n++
			}
		}
	}
	return n
}
