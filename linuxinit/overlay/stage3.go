package overlay

import (
	"os"
	"path/filepath"
	"strconv"
)

// Stage3 is rc.shutdown: the user2 bundle down, services.d down (within
// S6_SERVICES_GRACETIME), every s6-rc service down, then cont-finish.d, each
// script killed after S6_KILL_FINISH_MAXTIME. init then does the rest:
// TERM, S6_KILL_GRACETIME, KILL. Stage 3 reports problems and goes on: the
// container must stop whatever fails.
func (s *Stage) Stage3() {
	v := strconv.Itoa(s.Set.Verbosity)
	haveDB := isDir(CompiledDB) && isDir(RCLiveDir)
	if haveDB {
		if st, err := s.Procs.applet("s6-rc", "-v", v, "-l", RCLiveDir, "-d", "--", "change", "user2"); err != nil || st.Code != 0 {
			s.warn("s6-rc could not bring the user2 bundle down (%v, exit %d)", err, st.Code)
		}
	}
	s.servicesDown()
	if haveDB {
		if st, err := s.Procs.applet("s6-rc", "-v", v, "-l", RCLiveDir, "-bDa", "--", "change"); err != nil || st.Code != 0 {
			s.warn("s6-rc could not bring every service down (%v, exit %d)", err, st.Code)
		}
	}
	dir := filepath.Join(s.Layout.Legacy, "cont-finish.d")
	names, err := entries(dir)
	if err != nil {
		s.Warn("%v", err)
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		s.info("cont-finish: running %s", p)
		st, err := s.Procs.script(p, s.Set.FinishMaxTime)
		switch {
		case err != nil:
			s.Warn("cont-finish: %v", err)
		case st.TimedOut:
			s.warn("cont-finish: %s killed after S6_KILL_FINISH_MAXTIME (%v)", p, s.Set.FinishMaxTime)
		default:
			s.info("cont-finish: %s exited %d", p, st.Code)
		}
	}
}

// servicesDown unlinks the services.d copies from the scan directory, has
// the scanner stop them, and waits for them (and their loggers) to be down.
func (s *Stage) servicesDown() {
	names, err := entries(LegacyDir)
	if err != nil {
		s.Warn("%v", err)
		return
	}
	var dirs []string
	for _, n := range names {
		d := filepath.Join(LegacyDir, n)
		os.Remove(filepath.Join(ScanDir, n))
		dirs = append(dirs, d)
		if isDir(filepath.Join(d, "log")) {
			dirs = append(dirs, filepath.Join(d, "log"))
		}
	}
	if len(dirs) == 0 {
		return
	}
	if err := s.Procs.appletOK("s6-svscanctl", "-an", ScanDir); err != nil {
		s.Warn("unable to make the scanner drop services.d: %v", err)
	}
	ms := strconv.FormatInt(max(s.Set.ServicesGrace.Milliseconds(), 1), 10)
	if st, err := s.Procs.applet("s6-svwait", append([]string{"-D", "-t", ms, "--"}, dirs...)...); err != nil || st.Code != 0 {
		s.warn("services-down: some legacy longruns were not down within S6_SERVICES_GRACETIME")
	}
}
