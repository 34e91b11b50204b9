package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"s6box/core/fsutil"
	"s6box/core/scanner"
	"s6box/core/svcwait"
)

// Stage is what stages 2 and 3 share: the settings, the files, the
// programs and where messages go.
type Stage struct {
	Set    Settings
	Layout Layout
	Procs  *Procs
	Info   func(format string, a ...any) // shown at S6_VERBOSITY >= 2
	Warn   func(format string, a ...any) // shown at S6_VERBOSITY >= 1
	Now    func() time.Time
	// Stage 2 runs s6-rc in-process (see rc.go): Tool words its messages,
	// RCStdio is the oneshots' stdin, stdout and stderr, Signals (nil:
	// none) delivers TERM and INT during a change ("TERM", "INT") and
	// returns the function that stops the delivery.
	Tool    Tool
	RCStdio [3]*os.File
	Signals func() (<-chan string, func())
}

func (s *Stage) info(format string, a ...any) {
	if s.Set.Verbosity >= 2 {
		s.Info(format, a...)
	}
}

func (s *Stage) warn(format string, a ...any) {
	if s.Set.Verbosity >= 1 {
		s.Warn(format, a...)
	}
}

// Outcome is how stage 2 ends.
type Outcome struct {
	Halt     bool // the container must stop (a CMD ended, or a failure under S6_BEHAVIOUR_IF_STAGE2_FAILS=2)
	ExitCode int  // then the container's exit code
}

// stage2Failure is one failed step of stage 2, with the exit code the
// container ends with when S6_BEHAVIOUR_IF_STAGE2_FAILS is 2.
type stage2Failure struct {
	code int
	what string
}

// Stage2 is rc.init: the hook, cont-init.d, the user bundle, services.d,
// the user2 bundle, then the CMD (S6_CMD_ARG0 prepended) in the container's
// working directory. Failures follow S6_BEHAVIOUR_IF_STAGE2_FAILS.
func (s *Stage) Stage2(cmd []string) Outcome {
	start := s.Now()
	steps := []func(time.Time) *stage2Failure{s.hook, s.fixAttrs, s.contInit, s.userBundle("user"), s.servicesUp, s.userBundle("user2")}
	for _, step := range steps {
		f := step(start)
		if f == nil {
			continue
		}
		switch s.Set.Stage2Fails {
		case 0:
			// s6-overlay continues silently; the step itself said what failed.
		case 1:
			s.Warn("%s failed (continuing: S6_BEHAVIOUR_IF_STAGE2_FAILS=1)", f.what)
		default:
			s.Warn("%s failed: stopping the container (S6_BEHAVIOUR_IF_STAGE2_FAILS=2)", f.what)
			return Outcome{Halt: true, ExitCode: f.code}
		}
	}
	if len(cmd) == 0 {
		return Outcome{}
	}
	return s.runCmd(cmd)
}

func (s *Stage) hook(time.Time) *stage2Failure {
	if s.Set.Stage2Hook == "" {
		return nil
	}
	st, err := s.Procs.run("/bin/sh", []string{"sh", "-c", s.Set.Stage2Hook}, "", 0)
	if err != nil {
		s.warn("S6_STAGE2_HOOK: %v", err)
		return &stage2Failure{code: 111, what: "S6_STAGE2_HOOK"}
	}
	if st.Code != 0 {
		s.warn("S6_STAGE2_HOOK exited %d", st.Code)
		return &stage2Failure{code: st.Code, what: "S6_STAGE2_HOOK"}
	}
	s.info("S6_STAGE2_HOOK exited 0")
	return nil
}

// fixAttrs refuses fix-attrs.d: s6-overlay deprecated it and s6box does
// not implement it, so files there are a failure, never skipped silently.
func (s *Stage) fixAttrs(time.Time) *stage2Failure {
	dir := filepath.Join(s.Layout.Legacy, "fix-attrs.d")
	names, err := entries(dir)
	if err != nil {
		s.Warn("%v", err)
		return &stage2Failure{code: 111, what: "fix-attrs"}
	}
	if len(names) == 0 {
		return nil
	}
	s.Warn("%s is not supported by s6box (fix-attrs is deprecated by s6-overlay): set ownership and modes in the image", dir)
	return &stage2Failure{code: 1, what: "fix-attrs"}
}

func (s *Stage) contInit(time.Time) *stage2Failure {
	dir := filepath.Join(s.Layout.Legacy, "cont-init.d")
	names, err := entries(dir)
	if err != nil {
		s.Warn("%v", err)
		return &stage2Failure{code: 111, what: "cont-init.d"}
	}
	failed := false
	for _, n := range names {
		p := filepath.Join(dir, n)
		s.info("cont-init: running %s", p)
		st, err := s.Procs.script(p, 0)
		if err != nil {
			s.Warn("cont-init: %v", err)
			failed = true
			continue
		}
		s.info("cont-init: %s exited %d", p, st.Code)
		failed = failed || st.Code != 0
	}
	if failed {
		return &stage2Failure{code: 1, what: "cont-init.d (a script exited nonzero)"}
	}
	return nil
}

// userBundle brings up one user bundle with s6-rc. The first call puts
// the database in /run/s6/db (the one compiled with the image when its
// sources are unchanged, see Precompiled; otherwise compiled now) and
// starts s6-rc on the scan directory.
func (s *Stage) userBundle(name string) func(time.Time) *stage2Failure {
	return func(start time.Time) *stage2Failure {
		if name == "user" {
			dirs, err := s.Layout.SourceDirs(RCSourceDir)
			if err != nil {
				s.Warn("%v", err)
				return &stage2Failure{code: 111, what: "s6-rc sources"}
			}
			if dirs == nil {
				return nil
			}
			os.RemoveAll(CompiledDB)
			if err := s.database(dirs); err != nil {
				s.Warn("unable to compile the s6-rc services: %v", err)
				return &stage2Failure{code: 1, what: "s6-rc-compile"}
			}
			if err := s.rcInit(); err != nil {
				s.Warn("unable to start s6-rc: %v", err)
				return &stage2Failure{code: 1, what: "s6-rc-init"}
			}
		} else if !isDir(CompiledDB) {
			return nil
		}
		if code := s.rcUp(name, start); code != 0 {
			s.warn("s6-rc could not bring the %s bundle up (exit %d)", name, code)
			return &stage2Failure{code: code, what: "the " + name + " bundle"}
		}
		return nil
	}
}

// servicesUp copies /etc/services.d/* under /run, links them into the scan
// directory and has the scanner pick them up; with
// S6_CMD_WAIT_FOR_SERVICES it waits for them to be up (ready, for those
// with a notification-fd).
func (s *Stage) servicesUp(start time.Time) *stage2Failure {
	dir := filepath.Join(s.Layout.Legacy, "services.d")
	names, err := entries(dir)
	fail := &stage2Failure{code: 1, what: "services.d"}
	if err != nil {
		s.Warn("%v", err)
		return fail
	}
	var notif, plain []string
	for _, n := range names {
		src := filepath.Join(dir, n)
		if !isDir(src) {
			continue
		}
		dst := filepath.Join(LegacyDir, n)
		os.RemoveAll(dst)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			s.Warn("unable to create %s: %v", dst, err)
			return fail
		}
		if err := fsutil.CopyTree(src, dst, fsutil.CopyOptions{}); err != nil {
			s.Warn("unable to copy %s: %v", src, err)
			return fail
		}
		if _, err := os.Stat(filepath.Join(dst, "notification-fd")); err == nil {
			notif = append(notif, dst)
			s.info("services-up: copied legacy longrun %s", n)
		} else {
			plain = append(plain, dst)
			s.info("services-up: copied legacy longrun %s (no readiness notification)", n)
		}
		link := filepath.Join(ScanDir, n)
		os.Remove(link)
		if err := os.Symlink(dst, link); err != nil {
			s.Warn("unable to link %s: %v", link, err)
			return fail
		}
	}
	if len(notif)+len(plain) == 0 {
		return nil
	}
	rescan := func() error { return scanner.Control(ScanDir, []byte("a")) }
	if !s.Set.WaitForServices {
		if err := rescan(); err != nil {
			s.Warn("unable to make the scanner pick up services.d: %v", err)
			return fail
		}
		return nil
	}
	if !s.waitSupervised(start, append(append([]string{}, plain...), notif...), rescan) {
		return fail
	}
	time.Sleep(s.Set.ServicesReadyTime)
	var deadline time.Time
	if s.Set.WaitMaxTime > 0 {
		deadline = start.Add(s.Set.WaitMaxTime)
	}
	ok := true
	for _, w := range []struct {
		letter byte
		dirs   []string
	}{{'u', plain}, {'U', notif}} {
		if len(w.dirs) == 0 {
			continue
		}
		// s6-svwait -u or -U, within what is left of the budget
		if err := svcwait.Run(svcwait.Request{Dirs: w.dirs, Letter: w.letter, Mode: svcwait.AllWait, Deadline: deadline}, nil); err != nil {
			s.warn("services-up: %v", err)
			ok = false
		}
	}
	if !ok {
		s.warn("services-up: some legacy longruns were not up in time")
		return fail
	}
	return nil
}

// waitSupervised has the scanner pick up dirs (rescan) and waits (within
// S6_CMD_WAIT_FOR_SERVICES_MAXTIME, at most a minute) until it has started
// a supervisor for each, woken by their start events: s6-overlay's
// S6_SERVICES_READYTIME sleep narrows this race, s6box closes it.
func (s *Stage) waitSupervised(start time.Time, dirs []string, rescan func() error) bool {
	deadline := s.Now().Add(time.Minute)
	if s.Set.WaitMaxTime > 0 {
		deadline = start.Add(s.Set.WaitMaxTime)
	}
	alive := func() error { return scanner.Control(ScanDir, nil) }
	err := svcwait.Supervisors(dirs, deadline, rescan, alive)
	var te *svcwait.TriggerError
	switch {
	case err == nil:
		return true
	case errors.As(err, &te):
		s.Warn("unable to make the scanner pick up services.d: %v", te.Err)
	default:
		s.warn("services-up: %v", err)
	}
	return false
}

// runCmd runs the CMD and makes its exit code the container's.
func (s *Stage) runCmd(cmd []string) Outcome {
	argv := append(append([]string{}, s.Set.CmdArg0...), cmd...)
	wd := "/"
	if b, err := os.ReadFile(WorkdirFile); err == nil && len(b) > 0 {
		wd = string(b)
	}
	path, err := lookPath(argv[0], s.Procs.Env)
	if err != nil {
		s.Warn("unable to run the CMD %s: %v", argv[0], err)
		return Outcome{Halt: true, ExitCode: 127}
	}
	st, err := s.Procs.run(path, argv, wd, 0)
	if err != nil {
		s.Warn("%v", err)
		return Outcome{Halt: true, ExitCode: 126}
	}
	return Outcome{Halt: true, ExitCode: st.Code}
}

// WriteExitCode records the container's exit code where init reads it.
func WriteExitCode(code int) error {
	p := filepath.Join(ResultsDir, "exitcode")
	if err := os.WriteFile(p, []byte(strconv.Itoa(code)+"\n"), 0o644); err != nil {
		return fmt.Errorf("unable to record the exit code in %s: %w", p, err)
	}
	return nil
}
