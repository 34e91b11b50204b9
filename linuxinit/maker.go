package linuxinit

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// MakerConfig is the policy written into an init tree by init-maker.
type MakerConfig struct {
	BaseDir     string // where the tree lives at boot (absolute)
	Binary      string // path of s6box at boot, used in #! lines (absolute)
	Verbosity   int
	ConsoleCopy bool // -1: the catch-all logger copies lines to the console
	Timestamps  int  // 0 none, 1 TAI64N, 2 ISO 8601, 3 both
	Getty       string
	Path        string
	Umask       int
	GraceMs     int
	InitDefault string
	RunMode     byte
	Container   bool
	NoLogger    bool
	RunDir      string
	ExitService string
	RCDatabase  string // -r: compiled s6-rc database; rc.* call s6-rc
	Scanner     string
	Env         []string // VAR=VAL, VAR= or VAR
	ReadyFd     int
}

// Make writes a complete init tree into dir, which must not exist. On
// failure the partial tree is removed.
func Make(dir string, c MakerConfig) (err error) {
	if !filepath.IsAbs(c.BaseDir) || !filepath.IsAbs(c.Binary) || !filepath.IsAbs(c.RunDir) {
		return fmt.Errorf("basedir, binary and rundir must be absolute paths")
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	w := func(rel, content string, mode os.FileMode) error {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return fmt.Errorf("unable to write %s: %w", p, err)
		}
		return nil
	}
	shebang := "#!" + c.Binary + " runscript\n"

	// bin/init: pid 1 with this tree's options; the kernel's arguments are
	// appended by runscript.
	args := []string{"init", "-c", c.BaseDir, "-v", strconv.Itoa(c.Verbosity),
		"-m", fmt.Sprintf("0%o", c.Umask), "-p", c.Path, "-g", strconv.Itoa(c.GraceMs),
		"-D", c.InitDefault, "-R", c.RunDir}
	if c.RunMode != 0 {
		args = append(args, "-"+string(c.RunMode))
	}
	if c.Container {
		args = append(args, "-C")
	}
	if c.NoLogger {
		args = append(args, "-B")
	}
	if c.ExitService != "" {
		args = append(args, "-x", c.ExitService)
	}
	if c.Scanner != "" {
		args = append(args, "-X", c.Scanner)
	}
	if c.ReadyFd != 0 {
		args = append(args, "-W", strconv.Itoa(c.ReadyFd))
	}
	if err := w("bin/init", shebang+quoteAll(append(args, "--"))+" $@\n", 0o755); err != nil {
		return err
	}
	for _, n := range []string{"halt", "poweroff", "reboot", "shutdown", "telinit"} {
		if c.Container && n == "telinit" {
			continue
		}
		if err := os.Symlink(c.Binary, filepath.Join(dir, "bin", n)); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Join(dir, "bin", n), err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "env"), 0o755); err != nil {
		return err
	}
	for _, e := range c.Env {
		k, v, hasEq := strings.Cut(e, "=")
		if k == "" || strings.ContainsAny(k, "/") || strings.HasPrefix(k, ".") {
			return fmt.Errorf("invalid environment variable %q", e)
		}
		content := ""
		if hasEq {
			content = v + "\n"
		}
		if err := w("env/"+k, content, 0o644); err != nil {
			return err
		}
	}
	if err := w("scripts/rc.init", rcInitSkel(c), 0o755); err != nil {
		return err
	}
	shut, rl := rcShutdownSkel, runlevelSkel
	if c.RCDatabase != "" {
		shut = strings.Replace(shut, "exit 0\n", "exec s6-rc -v2 -bDa change\n", 1)
		rl = strings.Replace(rl, "exit 0\n", "exec s6-rc -v2 -up change \"$1\"\n", 1)
	}
	if err := w("scripts/rc.shutdown", shut, 0o755); err != nil {
		return err
	}
	if !c.Container {
		if err := w("scripts/runlevel", rl, 0o755); err != nil {
			return err
		}
	}
	svc := filepath.Join(dir, "run-image", "service")
	if err := os.MkdirAll(svc, 0o755); err != nil {
		return err
	}
	if !c.NoLogger {
		ld := filepath.Join(svc, "s6-svscan-log")
		if err := os.Mkdir(ld, 0o755); err != nil {
			return err
		}
		if err := syscall.Mkfifo(filepath.Join(ld, "fifo"), 0o600); err != nil {
			return fmt.Errorf("unable to create the logger fifo: %w", err)
		}
		logArgs := []string{"init-logger"}
		if c.ConsoleCopy {
			logArgs = append(logArgs, "-c")
		}
		logArgs = append(logArgs, "fifo", "log", "-b", "--")
		if c.ConsoleCopy {
			logArgs = append(logArgs, "1")
		}
		if c.Timestamps&1 != 0 {
			logArgs = append(logArgs, "t")
		}
		if c.Timestamps&2 != 0 {
			logArgs = append(logArgs, "T")
		}
		logArgs = append(logArgs, filepath.Join(c.RunDir, "uncaught-logs"))
		if err := w("run-image/service/s6-svscan-log/run", shebang+quoteAll(logArgs)+"\n", 0o755); err != nil {
			return err
		}
		ul := filepath.Join(dir, "run-image", "uncaught-logs")
		if err := os.Mkdir(ul, 0o750); err != nil {
			return err
		}
		if err := os.Chmod(ul, 0o750|os.ModeSetgid); err != nil {
			return err
		}
	}
	if c.Getty != "" {
		words, err := ParseRunscript(c.Getty)
		if err != nil || len(words) == 0 {
			return fmt.Errorf("invalid getty command line %q", c.Getty)
		}
		if err := w("run-image/service/early-getty/run", shebang+quoteAll(words)+"\n", 0o755); err != nil {
			return err
		}
	}
	if c.Container {
		if err := w("run-image/s6-linux-init-container-results/exitcode", "0\n", 0o644); err != nil {
			return err
		}
	}
	return nil
}

func quoteAll(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

func rcInitSkel(c MakerConfig) string {
	if c.Container {
		return `#!/bin/sh
# rc.init: run by init once the catch-all logger is up, as
#   rc.init RUNLEVEL CONTAINER-COMMAND...
# Runs the container's command and halts with its exit code (unlike the
# s6-linux-init skeleton, a failing command still records its code).
rl="$1"
shift
[ $# -eq 0 ] && exit 0
rc=0
"$@" || rc=$?
echo "$rc" > ` + filepath.Join(c.RunDir, "s6-linux-init-container-results/exitcode") + `
exec ` + c.BaseDir + `/bin/halt
`
	}
	if c.RCDatabase != "" {
		return `#!/bin/sh
# rc.init: run by init once the catch-all logger is up, as
#   rc.init RUNLEVEL KERNEL-ARGS...
# Starts s6-rc on the compiled database and brings up the runlevel's bundle.
rl="$1"
shift
s6-rc-init -c ` + Quote(c.RCDatabase) + ` ` + filepath.Join(c.RunDir, "service") + `
exec ` + c.BaseDir + `/scripts/runlevel "$rl"
`
	}
	return `#!/bin/sh
# rc.init: run by init once the catch-all logger is up, as
#   rc.init RUNLEVEL KERNEL-ARGS...
# Start a service manager here, e.g. with s6-rc:
#   s6-rc-init ` + filepath.Join(c.RunDir, "service") + `
#   exec ` + c.BaseDir + `/scripts/runlevel "$1"
rl="$1"
shift
exit 0
`
}

const rcShutdownSkel = `#!/bin/sh
# rc.shutdown: run by init when the machine goes down, before services are
# stopped and every process is killed. With s6-rc:
#   exec s6-rc -v2 -bDa change
exit 0
`

const runlevelSkel = `#!/bin/sh
# runlevel: run by init (via telinit RUNLEVEL) with the runlevel as $1.
# With s6-rc:
#   exec s6-rc -v2 -up change "$1"
if [ $# -lt 1 ]; then
  echo "runlevel: fatal: too few arguments" >&2
  exit 100
fi
exit 0
`
