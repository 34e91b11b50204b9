package scanner

import (
	"os"
	"path/filepath"
	"syscall"

	"s6box/core/signame"
)

// signal applies the signal table: a .s6-svscan/SIGNAME script if one can
// be spawned, else the default action.
func (s *Scanner) signal(sig syscall.Signal) {
	switch sig {
	case syscall.SIGALRM:
		s.scan()
		return
	case syscall.SIGABRT:
		s.abort = true
		return
	}
	if s.runSignalScript(sig) {
		return
	}
	switch sig {
	case syscall.SIGHUP:
		s.scan()
		s.prune(syscall.SIGHUP)
	case syscall.SIGINT, syscall.SIGTERM:
		s.startExit(teardown)
	case syscall.SIGQUIT:
		s.startExit(quit)
	}
}

func (s *Scanner) runSignalScript(sig syscall.Signal) bool {
	path := filepath.Join(".s6-svscan", "SIG"+signame.Name(int(sig)))
	if _, err := os.Stat(path); err != nil {
		return false
	}
	attr := &syscall.ProcAttr{Dir: s.dir, Env: syscall.Environ(), Files: []uintptr{0, 1, 2}}
	if _, _, err := s.c.Reaper.StartProcess(path, []string{path}, attr); err != nil {
		s.logf("warning", "unable to spawn %s/%s: %v", s.dir, path, err)
		return false
	}
	return true
}
