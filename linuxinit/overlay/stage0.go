package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/fsutil"
	"s6box/core/userdb"
	"s6box/linuxinit"
)

// Stage0 is what /init does before init runs: it checks /run, stores the
// container environment and working directory, makes the run image with the
// catch-all logger S6_LOGGING asks for, and returns init's command line.
type Stage0 struct {
	BaseDir string   // the overlay tree (init-maker -O)
	Binary  string   // the s6box binary, for #! lines
	Umask   int      // init -m
	Rlimits string   // init -H
	Scanner string   // init -X
	Env     []string // the container's environment
	Cwd     string   // the container's working directory
	UID     int      // who runs the container
	Passwd  string   // where S6_CATCHALL_USER is looked up ("" = /etc/passwd)
	Warn    func(format string, a ...any)
}

// RunDirError is a /run that stage 0 cannot or must not use.
type RunDirError struct{ Reason string }

func (e *RunDirError) Error() string { return e.Reason }

// Path is the PATH of the container's processes: the container's own with
// /command, /usr/bin and /bin added in front when missing (s6-overlay's
// rule), /command:/usr/bin:/bin without one.
func Path(env []string) string {
	var parts []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok && v != "" {
			parts = strings.Split(v, ":")
		}
	}
	for _, d := range []string{"/bin", "/usr/bin", "/command"} {
		found := false
		for _, p := range parts {
			found = found || p == d
		}
		if !found {
			parts = append([]string{d}, parts...)
		}
	}
	return strings.Join(parts, ":")
}

// Prepare does stage 0's work and returns init's argv ("init" first) with
// cmd, the container's command, after "--".
func (z *Stage0) Prepare(set Settings, cmd []string) ([]string, error) {
	if err := z.checkRun(set); err != nil {
		return nil, err
	}
	// What an earlier run of this container left (a restart keeps /run
	// when it is not a tmpfs): the state, s6-rc's live link and the live
	// directories s6-rc-init made beside it.
	stale, _ := filepath.Glob(RCLiveDir + ":s6-rc-*")
	for _, d := range append([]string{StateDir, RCLiveDir}, stale...) {
		if err := os.RemoveAll(d); err != nil {
			return nil, fmt.Errorf("unable to remove %s: %w", d, err)
		}
	}
	if err := os.MkdirAll(StateDir, 0o755); err != nil {
		return nil, &RunDirError{Reason: fmt.Sprintf("unable to create %s: %v (the container needs a writable %s: a tmpfs, which the container manager mounts)", StateDir, fsutil.Bare(err), RunDir)}
	}
	if err := os.Symlink(z.BaseDir, BaseDirLink); err != nil {
		return nil, fmt.Errorf("unable to link %s: %w", BaseDirLink, err)
	}
	path := Path(z.Env)
	if !set.KeepEnv {
		if err := WriteContEnv(ContEnvDir, z.Env); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(WorkdirFile, []byte(z.Cwd), 0o644); err != nil {
		return nil, fmt.Errorf("unable to write %s: %w", WorkdirFile, err)
	}
	if err := fsutil.CopyTree(filepath.Join(z.BaseDir, "run-image"), RunImageDir, fsutil.CopyOptions{}); err != nil {
		return nil, fmt.Errorf("unable to copy the run image: %w", err)
	}
	if err := z.logger(set); err != nil {
		return nil, err
	}
	args := []string{"init", "-c", z.BaseDir, "-C", "-D", "top", "-R", RunDir, "-r", RunImageDir,
		"-m", fmt.Sprintf("0%o", z.Umask), "-p", path, "-g", strconv.FormatInt(set.KillGrace.Milliseconds(), 10)}
	if set.Logging == 0 {
		args = append(args, "-B")
	}
	if set.SyncDisks {
		args = append(args, "-y")
	}
	if set.WaitForClosingFd >= 3 {
		args = append(args, "-W", strconv.Itoa(set.WaitForClosingFd))
	}
	if z.Rlimits != "" {
		args = append(args, "-H", z.Rlimits)
	}
	if z.Scanner != "" {
		args = append(args, "-X", z.Scanner)
	}
	if set.KeepEnv {
		if err := z.keepEnv(path); err != nil {
			return nil, err
		}
		args = append(args, "-e", KeepEnvDir)
	}
	return append(append(args, "--"), cmd...), nil
}

// checkRun refuses a /run that belongs to root and is writable by everyone
// when the container does not run as root (s6-overlay's rule: nothing there
// could be trusted), unless S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES.
func (z *Stage0) checkRun(set Settings) error {
	st, err := os.Stat(RunDir)
	if err != nil {
		return &RunDirError{Reason: fmt.Sprintf("%s: %v (the container manager must provide a writable %s)", RunDir, fsutil.Bare(err), RunDir)}
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || z.UID == 0 || sys.Uid != 0 || st.Mode().Perm() != 0o777 || st.Mode()&os.ModeSticky != 0 {
		return nil
	}
	if !set.WorldWritableRunOK {
		return &RunDirError{Reason: fmt.Sprintf("%s belongs to root and is writable by everyone (mode 0777) while the container runs as uid %d: refusing (set S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES=1 to accept it)", RunDir, z.UID)}
	}
	z.Warn("%s is writable by everyone and the container does not run as root: nothing in it can be trusted (accepted because of S6_YES_I_WANT_A_WORLD_WRITABLE_RUN_BECAUSE_KUBERNETES)", RunDir)
	return nil
}

// logger adds the catch-all logger to the run image when S6_LOGGING is 1
// or 2, logging to /var/log/s6-uncaught-logs (/run/uncaught-logs with
// S6_READ_ONLY_ROOT).
func (z *Stage0) logger(set Settings) error {
	user := set.CatchallUser
	if set.Logging == 0 {
		if user != "" {
			z.Warn("S6_CATCHALL_USER has no effect with S6_LOGGING=0 (no catch-all logger)")
		}
		return nil
	}
	if user != "" && z.UID != 0 {
		z.Warn("S6_CATCHALL_USER=%s not applied: the container runs as uid %d, so the logger does too", user, z.UID)
		user = ""
	}
	if user == "root" {
		user = ""
	}
	dir := LogDirDefault
	if set.ReadOnlyRoot {
		dir = LogDirRunOnly
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create the catch-all log directory %s: %w", dir, err)
	}
	if user != "" {
		passwd := z.Passwd
		if passwd == "" {
			passwd = "/etc/passwd"
		}
		u, err := userdb.LookupUser(passwd, user)
		if err != nil {
			return &SettingError{Name: "S6_CATCHALL_USER", Value: user, Reason: err.Error()}
		}
		if err := os.Chown(dir, u.UID, u.GID); err != nil {
			return fmt.Errorf("unable to give %s to %s: %w", dir, user, err)
		}
	}
	if err := os.Chmod(dir, 0o750|os.ModeSetgid); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", dir, err)
	}
	mc := &linuxinit.MakerConfig{Binary: z.Binary, RunDir: RunDir, ConsoleCopy: set.Logging == 1,
		LogUser: user, Passwd: z.Passwd, LogDir: dir, LogScript: set.LoggingScript}
	return linuxinit.MakeCatchAllLogger(RunImageDir, mc)
}

// keepEnv is S6_KEEP_ENV: init's envdir gets the tree's variables and the
// whole container environment, so every process sees it.
func (z *Stage0) keepEnv(path string) error {
	src := filepath.Join(z.BaseDir, "env")
	if err := os.MkdirAll(KeepEnvDir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", KeepEnvDir, err)
	}
	if err := fsutil.CopyTree(src, KeepEnvDir, fsutil.CopyOptions{}); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unable to copy %s: %w", src, err)
	}
	env := append([]string{}, z.Env...)
	env = append(env, "PATH="+path)
	return linuxinit.DumpEnv(KeepEnvDir, env)
}
