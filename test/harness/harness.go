// Package harness drives the built s6box binary the way a user would: through
// its symlink farm, in temporary directories, with every started process in
// its own process group so tests kill only what they started.
//
// The binary is built once per test process (or taken from $S6BOX_BIN, which
// `make test` sets), and installed with `s6box --install DIR`.
package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	once    sync.Once
	binDir  string
	binPath string
	workDir string
	initErr error
)

// Main is used as `func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if workDir != "" {
		os.RemoveAll(workDir)
	}
	return code
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

func setup() {
	workDir, initErr = os.MkdirTemp("", "s6box-harness-")
	if initErr != nil {
		return
	}
	binPath = os.Getenv("S6BOX_BIN")
	if binPath == "" {
		root, err := moduleRoot()
		if err != nil {
			initErr = err
			return
		}
		binPath = filepath.Join(workDir, "s6box")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binPath, ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			initErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
	}
	binDir = filepath.Join(workDir, "bin")
	if out, err := exec.Command(binPath, "--install", binDir).CombinedOutput(); err != nil {
		initErr = fmt.Errorf("s6box --install: %v\n%s", err, out)
	}
}

// BinDir is the directory holding the symlink farm (builds on first use).
func BinDir(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		t.Fatalf("harness: %v", initErr)
	}
	return binDir
}

// Binary is the path of the multicall executable itself.
func Binary(t testing.TB) string {
	BinDir(t)
	return binPath
}

// Path returns the path of an applet's symlink (e.g. "s6-svc").
func Path(t testing.TB, name string) string { return filepath.Join(BinDir(t), name) }

// Env is the environment for commands: PATH starts with the symlink farm.
func Env(t testing.TB) []string {
	env := []string{"PATH=" + BinDir(t) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return env
}

// Command prepares an applet (by symlink name) or any program (a path) in its
// own process group, with the farm first in PATH.
func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	prog := name
	if !strings.Contains(name, "/") {
		if _, err := os.Lstat(Path(t, name)); err == nil {
			prog = Path(t, name)
		}
	}
	cmd := exec.Command(prog, args...)
	cmd.Env = Env(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// Result is what a finished command did.
type Result struct {
	Stdout, Stderr string
	Code           int // exit code, or -1 when killed by a signal or timed out
}

// RunCmd runs a prepared command with a time bound; on timeout its process
// group is killed and the test fails.
func RunCmd(t testing.TB, timeout time.Duration, cmd *exec.Cmd) Result {
	t.Helper()
	var out, errb bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &errb
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		r := Result{Stdout: out.String(), Stderr: errb.String()}
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			r.Code = ee.ExitCode()
		default:
			t.Fatalf("%v: %v", cmd.Args, err)
		}
		return r
	case <-time.After(timeout):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("%v: still running after %v\nstdout: %s\nstderr: %s", cmd.Args, timeout, out.String(), errb.String())
		return Result{Code: -1}
	}
}

// Run runs an applet or program with a 30 s bound.
func Run(t testing.TB, name string, args ...string) Result {
	t.Helper()
	return RunCmd(t, 30*time.Second, Command(t, name, args...))
}

// Proc is a background process started by a test.
type Proc struct {
	Cmd    *exec.Cmd
	Stdout *syncBuffer
	Stderr *syncBuffer
	done   chan struct{}
	err    error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts a prepared command in the background; its process group is
// killed (TERM, then KILL after 5 s) when the test ends.
func Start(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.Stdout
	}
	if cmd.Stderr == nil {
		cmd.Stderr = p.Stderr
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop(5 * time.Second) })
	return p
}

// Pid of the started process.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Signal sends sig to the process itself (not its group).
func (p *Proc) Signal(sig syscall.Signal) error { return syscall.Kill(p.Pid(), sig) }

// Wait waits up to timeout for the process to exit and returns its exit code
// (-1 for a signal). ok is false on timeout.
func (p *Proc) Wait(timeout time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
		if p.err == nil {
			return 0, true
		}
		var ee *exec.ExitError
		if errors.As(p.err, &ee) {
			return ee.ExitCode(), true
		}
		return -1, true
	case <-time.After(timeout):
		return 0, false
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	if p.Exited() {
		// The leader is gone but members of its group may remain.
		syscall.Kill(-p.Pid(), syscall.SIGKILL)
		return
	}
	syscall.Kill(-p.Pid(), syscall.SIGTERM)
	if _, ok := p.Wait(grace); !ok {
		syscall.Kill(-p.Pid(), syscall.SIGKILL)
		p.Wait(grace)
	}
	syscall.Kill(-p.Pid(), syscall.SIGKILL)
}

// Eventually polls cond every 10 ms until it is true or timeout passes, then
// fails the test naming what was awaited.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WriteFile writes a file (creating parent directories), failing the test on error.
func WriteFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// RealS6 returns the path of a real s6 tool (from Debian's s6 package) or
// skips the test when it is not installed. In CI it is installed, and a
// missing tool there is an error (CI=true or S6BOX_REQUIRE_REAL_S6=1).
func RealS6(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath("/usr/bin/" + name)
	if err != nil {
		if os.Getenv("S6BOX_REQUIRE_REAL_S6") != "" {
			t.Fatalf("real s6 tool %s is required but missing", name)
		}
		SkipOrFail(t, "real s6 tool %s not installed (Debian package s6)", name)
	}
	return p
}

// IsRoot reports whether tests run as root (namespaces, mounts, setuid).
func IsRoot() bool { return os.Geteuid() == 0 }
