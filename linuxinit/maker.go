package linuxinit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/userdb"
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
	LogUser     string // -u: the catch-all logger runs as this user
	Passwd      string // where LogUser is looked up (default /etc/passwd)
	DevDir      string // -d: init mounts a devtmpfs here
	EnvStore    string // -s: init dumps the kernel's environment here
	SkelDir     string // -f: rc.* and runlevel are copied from here
	Rlimits     string // -R: hard limits init sets, s6-softlimit letters
	SyncOnHalt  bool   // -S: a container syncs before it exits
	// Overlay (-O) writes an s6-overlay style container tree: bin/init is
	// stage 0 (overlay-init), rc.init and rc.shutdown run stages 2 and 3,
	// and the catch-all logger is made at container start from S6_LOGGING.
	Overlay bool
	// LogDir is where the catch-all logger writes ("": RUNDIR/uncaught-logs,
	// made in the run image); the caller creates any other directory.
	LogDir string
	// LogScript replaces the catch-all logger's t/T directives (-t) when
	// set: s6-log directives put before the log directory.
	LogScript []string
}

// EarlyGettyService is the service directory of -G's getty (s6-linux-init's
// name, which users address with s6-svc).
const EarlyGettyService = "s6-linux-init-early-getty"

// ShutdownCommands are the programs bin/ holds besides init: small
// runscripts calling the applet of the same name, so they work wherever
// they are copied (the guide copies bin/* to /sbin).
var ShutdownCommands = []string{"halt", "poweroff", "reboot", "shutdown", "telinit"}

// MakerError is a problem with the configuration itself (upstream exits
// 100 for these), as opposed to a failure to write the tree.
type MakerError struct{ Reason string }

func (e *MakerError) Error() string { return e.Reason }

func badConfig(format string, a ...any) error {
	return &MakerError{Reason: fmt.Sprintf(format, a...)}
}

// Check validates c without writing anything.
func (c *MakerConfig) Check() error {
	for _, p := range []struct{ what, path string }{{"base directory", c.BaseDir},
		{"binary path", c.Binary}, {"run directory", c.RunDir}} {
		if !filepath.IsAbs(p.path) {
			return badConfig("%s %q is not absolute", p.what, p.path)
		}
	}
	if c.DevDir != "" && !filepath.IsAbs(c.DevDir) {
		return badConfig("devtmpfs directory %q is not absolute", c.DevDir)
	}
	if c.EnvStore != "" && !filepath.IsAbs(c.EnvStore) {
		return badConfig("kernel environment store %q is not absolute", c.EnvStore)
	}
	if c.Overlay {
		if err := c.checkOverlay(); err != nil {
			return err
		}
	}
	if c.Timestamps < 0 || c.Timestamps > 3 {
		return badConfig("timestamp style must be 0, 1, 2 or 3")
	}
	if _, err := ParseRlimits(c.Rlimits); err != nil {
		return &MakerError{Reason: err.Error()}
	}
	for _, e := range c.Env {
		k, _, _ := strings.Cut(e, "=")
		if k == "" || strings.ContainsAny(k, "/") || strings.HasPrefix(k, ".") {
			return badConfig("invalid environment variable %q", e)
		}
	}
	if c.Getty != "" {
		if words, err := ParseRunscript(c.Getty); err != nil || len(words) == 0 {
			return badConfig("invalid getty command line %q", c.Getty)
		}
	}
	return nil
}

// Warnings are the remarks about a valid configuration that upstream also
// makes (nothing is wrong enough to stop).
func (c *MakerConfig) Warnings() []string {
	var w []string
	if c.EnvStore != "" && !strings.HasPrefix(c.EnvStore, strings.TrimSuffix(c.RunDir, "/")+"/") {
		w = append(w, fmt.Sprintf("kernel environment store %s is not under %s, which is the only place writable at boot", c.EnvStore, c.RunDir))
	}
	if c.Container && c.DevDir != "" {
		w = append(w, "both -C and -d given: a container usually comes with its /dev mounted")
	}
	if c.SyncOnHalt && !c.Container {
		w = append(w, "-S has no effect without -C: a machine always syncs before it stops")
	}
	return w
}

// treeWriter writes files under one directory, creating parents.
type treeWriter struct{ dir string }

func (t treeWriter) file(rel, content string, mode os.FileMode) error {
	p := filepath.Join(t.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", filepath.Dir(p), err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		return fmt.Errorf("unable to write %s: %w", p, err)
	}
	return nil
}

func (t treeWriter) mkdir(rel string, mode os.FileMode) error {
	p := filepath.Join(t.dir, rel)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", p, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", p, err)
	}
	return nil
}

// Make writes a complete init tree into dir, which must not exist. On
// failure the partial tree is removed.
func Make(dir string, c MakerConfig) (err error) {
	if err := c.Check(); err != nil {
		return err
	}
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	// The parents are created (a fresh image has no /etc/s6-linux-init),
	// the tree itself must be new.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	t := treeWriter{dir}
	for _, step := range []func(treeWriter, *MakerConfig) error{makeBin, makeEnv, makeScripts, makeRunImage} {
		if err := step(t, &c); err != nil {
			return err
		}
	}
	return nil
}

func (c *MakerConfig) shebang() string { return "#!" + c.Binary + " runscript\n" }

// initArgs is bin/init's command line: pid 1 with this tree's options; the
// kernel's arguments are appended by runscript.
func (c *MakerConfig) initArgs() []string {
	args := []string{"init", "-c", c.BaseDir, "-v", strconv.Itoa(c.Verbosity),
		"-m", fmt.Sprintf("0%o", c.Umask), "-p", c.Path, "-g", strconv.Itoa(c.GraceMs),
		"-D", c.InitDefault, "-R", c.RunDir}
	opt := func(letter string, value string) {
		if value != "" {
			args = append(args, letter, value)
		}
	}
	flag := func(letter string, on bool) {
		if on {
			args = append(args, letter)
		}
	}
	if c.RunMode != 0 {
		args = append(args, "-"+string(c.RunMode))
	}
	flag("-C", c.Container)
	flag("-B", c.NoLogger)
	flag("-y", c.SyncOnHalt && c.Container)
	opt("-x", c.ExitService)
	opt("-X", c.Scanner)
	opt("-d", c.DevDir)
	opt("-s", c.EnvStore)
	opt("-H", c.Rlimits)
	if c.ReadyFd != 0 {
		args = append(args, "-W", strconv.Itoa(c.ReadyFd))
	}
	return append(args, "--", "$@")
}

func makeBin(t treeWriter, c *MakerConfig) error {
	init := quoteAll(c.initArgs())
	if c.Overlay {
		init = quoteAll(overlayInitArgs(c))
	}
	if err := t.file("bin/init", c.shebang()+init+"\n", 0o755); err != nil {
		return err
	}
	for _, n := range ShutdownCommands {
		if c.Container && n == "telinit" {
			continue
		}
		if err := t.file("bin/"+n, c.shebang()+n+" $@\n", 0o755); err != nil {
			return err
		}
	}
	return nil
}

func makeEnv(t treeWriter, c *MakerConfig) error {
	if err := t.mkdir("env", 0o755); err != nil {
		return err
	}
	for _, e := range c.Env {
		k, v, hasEq := strings.Cut(e, "=")
		content := ""
		if hasEq {
			content = v + "\n"
		}
		if err := t.file("env/"+k, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// skeleton is one script of scripts/: its built-in text and whether a
// skeleton directory (-f) must provide it.
type skeleton struct {
	name      string
	text      string
	mandatory bool
}

func makeScripts(t treeWriter, c *MakerConfig) error {
	rcInit, rcShutdown := rcInitSkel(c), rcShutdownSkel(c)
	if c.Overlay {
		rcInit, rcShutdown = c.shebang()+"overlay-stage2 $@\n", c.shebang()+"overlay-stage3\n"
	}
	skels := []skeleton{
		{"rc.init", rcInit, true},
		{"rc.shutdown", rcShutdown, true},
		{"rc.shutdown.final", rcShutdownFinalSkel, false},
	}
	if !c.Container {
		skels = append(skels, skeleton{"runlevel", runlevelSkel(c), true})
	}
	for _, s := range skels {
		text := s.text
		if c.SkelDir != "" {
			b, err := readSkeleton(filepath.Join(c.SkelDir, s.name))
			switch {
			case err == nil:
				text = string(b)
			case errors.Is(err, os.ErrNotExist) && !s.mandatory:
				continue
			default:
				return err
			}
		}
		if err := t.file("scripts/"+s.name, text, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// readSkeleton reads one script of a skeleton directory: a regular file,
// at most 1 MiB.
func readSkeleton(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unable to open skeleton %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("unable to stat skeleton %s: %w", path, err)
	}
	if !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return nil, fmt.Errorf("skeleton %s is not a regular file of at most 1 MiB", path)
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("unable to read skeleton %s: %w", path, err)
	}
	return b, nil
}

func makeRunImage(t treeWriter, c *MakerConfig) error {
	if err := t.mkdir("run-image/service", 0o755); err != nil {
		return err
	}
	if !c.NoLogger && !c.Overlay {
		if err := MakeCatchAllLogger(filepath.Join(t.dir, "run-image"), c); err != nil {
			return err
		}
	}
	if c.Getty != "" {
		words, _ := ParseRunscript(c.Getty)
		if err := t.file("run-image/service/"+EarlyGettyService+"/run", c.shebang()+quoteAll(words)+"\n", 0o755); err != nil {
			return err
		}
	}
	if c.Container {
		if err := t.file("run-image/s6-linux-init-container-results/exitcode", "0\n", 0o644); err != nil {
			return err
		}
	}
	return nil
}

// MakeCatchAllLogger writes into the run image runImage the s6-svscan-log
// service and, without c.LogDir, the uncaught-logs directory (owned by -u's
// user when run as root). Stage 0 of an overlay tree calls it at container
// start.
func MakeCatchAllLogger(runImage string, c *MakerConfig) error {
	t := treeWriter{runImage}
	if err := t.mkdir("service/s6-svscan-log", 0o755); err != nil {
		return err
	}
	fifo := filepath.Join(t.dir, "service/s6-svscan-log/fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return fmt.Errorf("unable to create the logger fifo %s: %w", fifo, err)
	}
	args := []string{"init-logger"}
	if c.ConsoleCopy {
		args = append(args, "-c")
	}
	args = append(args, "fifo")
	uid, gid := -1, -1
	if c.LogUser != "" && c.LogUser != "root" {
		passwd := c.Passwd
		if passwd == "" {
			passwd = "/etc/passwd"
		}
		u, err := userdb.LookupUser(passwd, c.LogUser)
		if err != nil {
			return &MakerError{Reason: fmt.Sprintf("log user %s: %v", c.LogUser, err)}
		}
		uid, gid = u.UID, u.GID
		args = append(args, "setuidgid", c.LogUser)
	}
	args = append(args, "log", "-b", "--")
	if c.ConsoleCopy {
		args = append(args, "1")
	}
	switch {
	case c.LogScript != nil:
		args = append(args, c.LogScript...)
	default:
		if c.Timestamps&1 != 0 {
			args = append(args, "t")
		}
		if c.Timestamps&2 != 0 {
			args = append(args, "T")
		}
	}
	logDir := c.LogDir
	if logDir == "" {
		logDir = filepath.Join(c.RunDir, "uncaught-logs")
	}
	args = append(args, logDir)
	if err := t.file("service/s6-svscan-log/run", c.shebang()+quoteAll(args)+"\n", 0o755); err != nil {
		return err
	}
	if c.LogDir != "" {
		return nil
	}
	if err := t.mkdir("uncaught-logs", 0o750|os.ModeSetgid); err != nil {
		return err
	}
	if uid >= 0 && os.Geteuid() == 0 {
		p := filepath.Join(t.dir, "uncaught-logs")
		if err := os.Chown(p, uid, gid); err != nil {
			return fmt.Errorf("unable to chown %s: %w", p, err)
		}
		// chown clears setgid on some filesystems.
		if err := os.Chmod(p, 0o750|os.ModeSetgid); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", p, err)
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
