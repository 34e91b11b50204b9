package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"s6box/rcdb"
	"s6box/rcdb/compile"
	"s6box/rcdb/engine"
	"s6box/rcdb/live"
)

// Stage 2 runs s6-rc in its own process: the compiler, s6-rc-init and the
// state engine are the rcdb packages' functions, called as the applets
// call them (none of them starts a child of this process: longruns are
// driven through their supervisors, oneshots through the oneshot runner),
// with their messages worded as the applets print them.

// Tool is where one s6-rc program's messages go: Info and Warn print
// "PROG: info: …" and "PROG: warning: …" for the prog given.
type Tool func(prog string) (info, warn func(format string, a ...any))

// rcCode is the exit code the s6-rc program would have ended with.
func rcCode(err error) int {
	var re *rcdb.Error
	if errors.As(err, &re) {
		return re.Code
	}
	return 111
}

// rcCompile is s6-rc-compile -v (S6_VERBOSITY-1) CompiledDB dirs….
func (s *Stage) rcCompile(dirs []string) error {
	info, warn := s.Tool("s6-rc-compile")
	_, err := compile.Compile(CompiledDB, dirs, &compile.Options{Verbosity: max(s.Set.Verbosity-1, 0),
		Self: s.Procs.Self, Info: info, Warn: warn, NoSync: true})
	return err
}

// rcInit is s6-rc-init -c CompiledDB -l RCLiveDir ScanDir.
func (s *Stage) rcInit() error {
	info, warn := s.Tool("s6-rc-init")
	return live.Init(live.InitOptions{BootDB: CompiledDB, BootDBGiven: true, Live: RCLiveDir,
		Scandir: ScanDir, Info: info, Warn: warn})
}

// rcUp is s6-rc -v S6_VERBOSITY -u -t (what is left of
// S6_CMD_WAIT_FOR_SERVICES_MAXTIME) change bundle; it returns s6-rc's exit
// code. TERM and INT make the engine a lame duck, as they make s6-rc one.
func (s *Stage) rcUp(bundle string, start time.Time) int {
	info, warn := s.Tool("s6-rc")
	l, err := live.Open(RCLiveDir, live.Options{Exclusive: true})
	if err != nil {
		warn("%v", err)
		return rcCode(err)
	}
	defer l.Close()
	sel, err := l.Select([]string{bundle})
	if err != nil {
		warn("%v", err)
		return rcCode(err)
	}
	l.MarkWanted(sel, true)
	e := &engine.Engine{Messages: engine.Messages{Verbosity: s.Set.Verbosity, Info: info, Warn: warn},
		Live: l, Act: &engine.Real{Live: l, Stdio: s.RCStdio}}
	if s.Set.WaitMaxTime > 0 {
		e.Deadline = start.Add(s.Set.WaitMaxTime)
	}
	if s.Signals != nil {
		sigs, stop := s.Signals()
		defer stop()
		e.Signals = sigs
	}
	code, err := e.Apply(sel, true, false)
	if err != nil {
		warn("%v", err)
		return rcCode(err)
	}
	return code
}

// database puts the s6-rc database for dirs in CompiledDB: a link to the
// one compiled with the image when the sources have not changed since,
// otherwise compiled now.
func (s *Stage) database(dirs []string) error {
	stamp, ok, err := SourceStamp(s.Procs.Self, dirs)
	if err != nil {
		s.warn("%v", err)
	}
	if ok {
		if db := Precompiled(BaseDirLink, stamp); db != "" {
			s.info("using the s6-rc database compiled with the image (its sources are unchanged)")
			if err := os.Symlink(db, CompiledDB); err != nil {
				return fmt.Errorf("unable to link %s to %s: %w", CompiledDB, db, err)
			}
			return nil
		}
	}
	if isDir(filepath.Join(BaseDirLink, PrecompiledName)) {
		s.info("the s6-rc sources differ from those the image was built with: compiling them")
	}
	return s.rcCompile(dirs)
}
