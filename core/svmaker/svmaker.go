// Package svmaker writes the service directories of s6's offline makers:
// s6-instance-maker (an instanced service: a scanner on instance/, the
// template beside it) and s6-usertree-maker (a user's own supervision
// tree), each optionally logged by s6-log, either as a plain service
// directory (with log/) or as s6-rc source definitions.
//
// Scripts are written in the `runscript` form (see README, Boot): a #!
// line naming the binary, then one command line in which every applet is
// named through the binary's path, so they need neither a shell nor a
// farm of links at a known path, and PATH cannot substitute another
// program of the same name.
package svmaker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/fsutil"
)

// Script says how scripts are written.
type Script struct {
	Bin   string              // absolute path of the multicall binary
	Quote func(string) string // quotes one word for runscript
}

// cmd is an applet's command line through the binary's path: a chain of
// applets must not find another program of the same name in PATH
// (daemontools' svscan, Debian's s6 tools).
func (s Script) cmd(name string, args ...string) []string {
	return append([]string{s.Bin, name}, args...)
}

func (s Script) line(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = s.Quote(w)
	}
	return "#!" + s.Bin + " runscript\n" + strings.Join(q, " ") + "\n"
}

// Logger is the s6-log configuration of a maker's logger.
type Logger struct {
	User      string // run as this account ("" = as the supervision tree)
	Dir       string // absolute logdir
	StampType int    // 0 none, 1 TAI64N, 2 ISO 8601, 3 both
	NFiles    uint64
	FileSize  uint64
	MaxSize   uint64 // 0: no total limit
	Prefix    string
	HasPrefix bool
}

// DefaultLogger has s6's defaults: TAI64N stamps, 10 files of 1000000 bytes.
func DefaultLogger() Logger { return Logger{StampType: 1, NFiles: 10, FileSize: 1000000} }

// RC names s6-rc source definitions to write instead of a service
// directory: a longrun Service, and when Logger is set a consumer longrun
// of that name, and when Pipeline is set the pipeline's bundle name.
type RC struct {
	Service, Logger, Pipeline string
}

// ErrUsage is a configuration s6 refuses (exit 100).
type ErrUsage struct{ Msg string }

func (e *ErrUsage) Error() string { return e.Msg }

// ParseRC splits -r's "service[/logger[/pipeline]]"; needLogger requires
// the logger part (s6-usertree-maker).
func ParseRC(arg string, needLogger bool) (RC, error) {
	var r RC
	if strings.Contains(arg, "\n") {
		return r, &ErrUsage{"newlines are forbidden in s6-rc names"}
	}
	parts := strings.SplitN(arg, "/", 3)
	r.Service = parts[0]
	if r.Service == "" {
		return r, &ErrUsage{"service name cannot be empty"}
	}
	if len(parts) > 1 {
		if parts[1] == "" && len(parts) == 2 {
			return r, &ErrUsage{"argument to -r must be: service or service/logger or service/logger/pipeline"}
		}
		r.Logger = parts[1]
		if r.Logger == "" {
			return r, &ErrUsage{"logger name cannot be empty"}
		}
	} else if needLogger {
		return r, &ErrUsage{"argument to -r must be: service/logger or service/logger/pipeline"}
	}
	if len(parts) > 2 {
		r.Pipeline = parts[2]
		if r.Pipeline == "" {
			return r, &ErrUsage{"pipeline name cannot be empty"}
		}
		if strings.Contains(r.Pipeline, "/") {
			return r, &ErrUsage{"slashes are forbidden in s6-rc names"}
		}
	}
	return r, nil
}

// Validate checks the logger settings.
func (l Logger) Validate() error {
	if l.Dir != "" && l.Dir[0] != '/' {
		return &ErrUsage{"logdir must be absolute"}
	}
	if l.StampType < 0 || l.StampType > 3 {
		return &ErrUsage{"stamptype must be 0, 1, 2 or 3"}
	}
	if strings.ContainsAny(l.User, " \t\n") {
		return &ErrUsage{"invalid loguser"}
	}
	return nil
}

// words is the logger's command line.
func (l Logger) words(sc Script) []string {
	var w []string
	if l.User != "" {
		w = sc.cmd("setuidgid", l.User)
	}
	w = append(w, sc.cmd("log", "-bd3", "--")...)
	if l.StampType&1 != 0 {
		w = append(w, "t")
	}
	if l.StampType&2 != 0 {
		w = append(w, "T")
	}
	w = append(w, "n"+strconv.FormatUint(l.NFiles, 10), "s"+strconv.FormatUint(l.FileSize, 10))
	if l.MaxSize != 0 {
		w = append(w, "S"+strconv.FormatUint(l.MaxSize, 10))
	}
	if l.HasPrefix {
		w = append(w, "p"+l.Prefix)
	}
	return append(w, l.Dir)
}

// files is a small tree to write: name → content; executable for "run".
type files map[string]string

func writeFiles(dir string, fs files) error {
	for name, content := range fs {
		mode := os.FileMode(0o644)
		if name == "run" {
			mode = 0o755
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return fmt.Errorf("unable to write %s: %w", p, fsutil.Bare(err))
		}
		if err := os.Chmod(p, mode); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", p, fsutil.Bare(err))
		}
	}
	return nil
}

func mkdir(p string) error {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	if err := os.Mkdir(p, 0o755); err != nil {
		return fmt.Errorf("unable to mkdir %s: %w", p, fsutil.Bare(err))
	}
	return nil
}

// writeTree writes a service (run words, extra files) as a service
// directory at dir with an optional log/, or as s6-rc definitions in dir.
// populate adds to the service's own directory once it exists.
func writeTree(dir string, rc *RC, sc Script, run []string, lg *Logger, populate func(svdir string) error) error {
	svdir := dir
	if rc != nil {
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("unable to mkdir %s: %w", dir, fsutil.Bare(err))
		}
		svdir = filepath.Join(dir, rc.Service)
	}
	if err := mkdir(svdir); err != nil {
		return err
	}
	fs := files{"run": sc.line(run...), "notification-fd": "3\n"}
	if rc != nil {
		fs["type"] = "longrun\n"
		if rc.Logger != "" {
			fs["producer-for"] = rc.Logger + "\n"
		}
	}
	if err := writeFiles(svdir, fs); err != nil {
		return err
	}
	if populate != nil {
		if err := populate(svdir); err != nil {
			return err
		}
	}
	if lg == nil {
		return nil
	}
	logdir := filepath.Join(dir, "log")
	lfs := files{"run": sc.line(lg.words(sc)...), "notification-fd": "3\n"}
	if rc != nil {
		logdir = filepath.Join(dir, rc.Logger)
		lfs["type"] = "longrun\n"
		lfs["consumer-for"] = rc.Service + "\n"
		if rc.Pipeline != "" {
			lfs["pipeline-name"] = rc.Pipeline + "\n"
		}
	}
	if err := mkdir(logdir); err != nil {
		return err
	}
	return writeFiles(logdir, lfs)
}

// Instance is s6-instance-maker's configuration.
type Instance struct {
	Template string // the templated service directory
	Dir      string // what to create
	User     string // run the instance scanner (and instances) as this account
	Max      int    // most instances (s6-svscan -c)
	Logger   *Logger
	RC       *RC
	Script   Script
}

// MakeInstance writes an instanced service.
func MakeInstance(c Instance) error {
	if strings.ContainsAny(c.User, " \t\n") {
		return &ErrUsage{"invalid user"}
	}
	if c.Logger != nil {
		if err := c.Logger.Validate(); err != nil {
			return err
		}
	}
	if c.RC != nil && c.RC.Logger != "" && c.Logger == nil {
		return &ErrUsage{"logger specified (-r) but logdir not specified (-L)"}
	}
	if c.RC != nil && c.RC.Logger == "" && c.Logger != nil {
		return &ErrUsage{"logdir specified (-L) but logger name not specified (-r)"}
	}
	max := min(max(c.Max, 1), 90000)
	run := c.Script.cmd("fdmove", "-c", "2", "1")
	if c.User != "" {
		run = append(run, c.Script.cmd("setuidgid", c.User)...)
	}
	run = append(run, c.Script.cmd("svscan", "-d3", "-c"+strconv.Itoa(max), "--", "instance")...)
	return writeTree(c.Dir, c.RC, c.Script, run, c.Logger, func(svdir string) error {
		for _, d := range []string{"instance", "instances"} {
			if err := mkdir(filepath.Join(svdir, d)); err != nil {
				return err
			}
		}
		dst := filepath.Join(svdir, "template")
		if err := fsutil.CopyTree(c.Template, dst, fsutil.CopyOptions{}); err != nil {
			var errno syscall.Errno
			if errors.As(err, &errno) {
				err = errno
			}
			return fmt.Errorf("unable to copy file hierarchy from %s to %s: %w", c.Template, dst, err)
		}
		return nil
	})
}
