// Package overlay is s6-overlay v3's user interface on top of s6box's init:
// the S6_* variables, the container environment store, stage 0 (what
// /init does before init runs), stage 2 (cont-init.d, the s6-rc user
// bundles, services.d, the CMD) and stage 3 (the same, undone). It never
// prints: callers pass Info and Warn functions.
package overlay

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Settings are the S6_* variables of a container, parsed and checked.
type Settings struct {
	KeepEnv            bool          // S6_KEEP_ENV
	Logging            int           // S6_LOGGING: 0, 1 or 2
	LoggingScript      []string      // S6_LOGGING_SCRIPT, split into directives
	Stage2Fails        int           // S6_BEHAVIOUR_IF_STAGE2_FAILS: 0, 1 or 2
	WaitForServices    bool          // S6_CMD_WAIT_FOR_SERVICES
	WaitMaxTime        time.Duration // S6_CMD_WAIT_FOR_SERVICES_MAXTIME (0: no limit)
	KillGrace          time.Duration // S6_KILL_GRACETIME
	FinishMaxTime      time.Duration // S6_KILL_FINISH_MAXTIME (0: no limit)
	ServicesGrace      time.Duration // S6_SERVICES_GRACETIME
	ServicesReadyTime  time.Duration // S6_SERVICES_READYTIME
	ReadOnlyRoot       bool          // S6_READ_ONLY_ROOT
	SyncDisks          bool          // S6_SYNC_DISKS
	Verbosity          int           // S6_VERBOSITY
	CmdArg0            []string      // S6_CMD_ARG0, split into words
	CatchallUser       string        // S6_CATCHALL_USER
	RuntimeProfile     string        // S6_RUNTIME_PROFILE
	RuntimeBundleDir   string        // S6_RUNTIME_BUNDLEDIR
	Stage2Hook         string        // S6_STAGE2_HOOK
	WaitForClosingFd   int           // S6_WAIT_FOR_CLOSING_FD (>= 3 to use)
	WorldWritableRunOK bool          // S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES
}

// SettingError is an S6_* variable whose value s6box refuses: malformed,
// out of range, or asking for something s6box does not do.
type SettingError struct {
	Name, Value, Reason string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s=%s: %s", e.Name, e.Value, e.Reason)
}

// Defaults are s6-overlay's documented defaults, except
// S6_SERVICES_READYTIME: s6-overlay's 50 ms sleep narrows a race (waiting
// for services.d before their supervisors exist) that s6box closes by
// waiting for each supervisor's start event, so it sleeps only when asked.
func Defaults() Settings {
	return Settings{
		LoggingScript: []string{"n20", "s1000000", "T"},
		KillGrace:     3000 * time.Millisecond,
		FinishMaxTime: 5000 * time.Millisecond,
		ServicesGrace: 3000 * time.Millisecond,
		Verbosity:     2,
	}
}

// maxGrace is init's cap on the TERM-to-KILL grace (init -g).
const maxGrace = 300000

// Parse reads the S6_* variables of env (KEY=VALUE strings). An empty
// value is the default, as in s6-overlay. It returns the names of S6_*
// variables it does not know (ignored, for the caller to report) and the
// first refused value as a *SettingError.
func Parse(env []string) (Settings, []string, error) {
	s := Defaults()
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "S6_") {
			vars[k] = v
		}
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	var unknown []string
	hs := handlers()
	for _, name := range names {
		v := vars[name]
		if v == "" {
			continue
		}
		h, ok := hs[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if reason := h(&s, v); reason != "" {
			return s, unknown, &SettingError{Name: name, Value: v, Reason: reason}
		}
	}
	return s, unknown, nil
}

// number parses a decimal, non-negative integer.
func number(v string) (int, bool) {
	n, err := strconv.ParseUint(v, 10, 31)
	return int(n), err == nil
}

func flag(dst *bool) func(*Settings, string) string {
	return func(_ *Settings, v string) string {
		n, ok := number(v)
		if !ok {
			return "not a number"
		}
		*dst = n != 0
		return ""
	}
}

func millis(max int, set func(*Settings, time.Duration)) func(*Settings, string) string {
	return func(s *Settings, v string) string {
		n, ok := number(v)
		if !ok {
			return "not a number of milliseconds"
		}
		if max > 0 && n > max {
			return fmt.Sprintf("at most %d milliseconds", max)
		}
		set(s, time.Duration(n)*time.Millisecond)
		return ""
	}
}

// clamped is a number where anything above top means top (s6-overlay
// compares with -ge).
func clamped(top int, reason string, set func(*Settings, int)) func(*Settings, string) string {
	return func(s *Settings, v string) string {
		n, ok := number(v)
		if !ok {
			return reason
		}
		set(s, min(n, top))
		return ""
	}
}

// refuseNonzero is a setting s6box does not implement: 0 is accepted (it
// asks for nothing), anything else is refused with the reason.
func refuseNonzero(reason string) func(*Settings, string) string {
	return func(_ *Settings, v string) string {
		n, ok := number(v)
		if !ok {
			return "not a number"
		}
		if n != 0 {
			return "not supported by s6box: " + reason
		}
		return ""
	}
}

// handlers has one entry per S6_* variable s6-overlay documents. Each sets
// its field or returns why the value is refused. It is built on call, not
// at package initialisation (every process of the binary would pay).
func handlers() map[string]func(*Settings, string) string {
	return map[string]func(*Settings, string) string{
		"S6_KEEP_ENV": func(s *Settings, v string) string { return flag(&s.KeepEnv)(s, v) },
		"S6_LOGGING": func(s *Settings, v string) string {
			n, ok := number(v)
			if !ok || n > 2 {
				return "must be 0, 1 or 2"
			}
			s.Logging = n
			return ""
		},
		"S6_LOGGING_SCRIPT": func(s *Settings, v string) string {
			s.LoggingScript = strings.Fields(v)
			if len(s.LoggingScript) == 0 {
				s.LoggingScript = Defaults().LoggingScript
			}
			for _, d := range s.LoggingScript {
				if strings.HasPrefix(d, "/") || strings.HasPrefix(d, ".") {
					return "names a log directory; give directives only (the catch-all logger's directory is fixed)"
				}
			}
			return ""
		},
		"S6_BEHAVIOUR_IF_STAGE2_FAILS":     clamped(2, "must be 0, 1 or 2", func(s *Settings, n int) { s.Stage2Fails = n }),
		"S6_CMD_WAIT_FOR_SERVICES":         func(s *Settings, v string) string { return flag(&s.WaitForServices)(s, v) },
		"S6_CMD_WAIT_FOR_SERVICES_MAXTIME": millis(0, func(s *Settings, d time.Duration) { s.WaitMaxTime = d }),
		"S6_KILL_GRACETIME":                millis(maxGrace, func(s *Settings, d time.Duration) { s.KillGrace = d }),
		"S6_KILL_FINISH_MAXTIME":           millis(0, func(s *Settings, d time.Duration) { s.FinishMaxTime = d }),
		"S6_SERVICES_GRACETIME":            millis(0, func(s *Settings, d time.Duration) { s.ServicesGrace = d }),
		"S6_SERVICES_READYTIME":            millis(0, func(s *Settings, d time.Duration) { s.ServicesReadyTime = d }),
		"S6_READ_ONLY_ROOT":                func(s *Settings, v string) string { return flag(&s.ReadOnlyRoot)(s, v) },
		"S6_SYNC_DISKS":                    func(s *Settings, v string) string { return flag(&s.SyncDisks)(s, v) },
		"S6_VERBOSITY":                     clamped(5, "must be a number from 0 to 5", func(s *Settings, n int) { s.Verbosity = n }),
		"S6_CMD_ARG0":                      func(s *Settings, v string) string { s.CmdArg0 = strings.Fields(v); return "" },
		"S6_CATCHALL_USER": func(s *Settings, v string) string {
			if strings.ContainsAny(v, ": \t\n/") {
				return "not a user name"
			}
			s.CatchallUser = v
			return ""
		},
		"S6_RUNTIME_PROFILE": func(s *Settings, v string) string {
			if strings.Contains(v, "/") || v == "." || v == ".." {
				return "must name a subdirectory of /etc/cont-profile.d"
			}
			s.RuntimeProfile = v
			return ""
		},
		"S6_RUNTIME_BUNDLEDIR": func(s *Settings, v string) string {
			if !filepath.IsAbs(v) {
				return "must be an absolute path"
			}
			s.RuntimeBundleDir = filepath.Clean(v)
			return ""
		},
		"S6_STAGE2_HOOK": func(s *Settings, v string) string { s.Stage2Hook = v; return "" },
		"S6_WAIT_FOR_CLOSING_FD": func(s *Settings, v string) string {
			n, ok := number(v)
			if !ok {
				return "not a file descriptor number"
			}
			s.WaitForClosingFd = n
			return ""
		},
		"S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES": func(s *Settings, v string) string {
			return flag(&s.WorldWritableRunOK)(s, v)
		},
		"S6_CMD_RECEIVE_SIGNALS": refuseNonzero("signals to the container go to init, which stops the container in order (stage 3) and then signals the CMD"),
		"S6_CMD_USE_TERMINAL":    refuseNonzero("the CMD's output goes where S6_LOGGING says; run the container with S6_LOGGING=0 to give the CMD the container's terminal"),
		"S6_FIX_ATTRS_HIDDEN":    refuseNonzero("fix-attrs (/etc/fix-attrs.d, deprecated by s6-overlay) is not implemented; set ownership and modes in the image"),
	}
}
