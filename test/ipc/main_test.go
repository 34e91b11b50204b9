// Package ipc tests the local-service applets (s6-ipcserver family,
// access rules, s6-sudo, the fd holder) through the binary, each beside
// Debian's s6 in both directions: their clients against our servers and
// ours against theirs.
package ipc

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/ipc"
	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// side is one implementation: ours (the farm) or s6's (/usr/bin).
type side string

const (
	ours   side = "ours"
	theirs side = "s6"
)

// sides lists both implementations; s6's only when installed (always in CI).
func sides(t *testing.T) []side {
	t.Helper()
	out := []side{ours}
	if harness.Optional(t, "Debian's s6 (/usr/bin/s6-ipcserverd)", harness.Exists("/usr/bin/s6-ipcserverd")) {
		out = append(out, theirs)
	}
	return out
}

// prog is the path of an s6 program name ("s6-ipcserver") on a side.
func prog(t *testing.T, s side, name string) string {
	t.Helper()
	if s == theirs {
		return harness.RealS6(t, name)
	}
	return harness.Path(t, name)
}

// cmd prepares a program of a side, in its own process group.
func cmd(t *testing.T, s side, name string, args ...string) *exec.Cmd {
	t.Helper()
	return harness.Command(t, prog(t, s, name), args...)
}

// dir is a temporary directory every uid may traverse (tests connect as
// other users).
func dir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// startServer starts a server command given -1 and waits for its
// readiness newline.
func startServer(t *testing.T, c *exec.Cmd) *harness.Proc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.Stdout = w
	p := harness.Start(t, c)
	w.Close()
	defer r.Close()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 1)
	if n, err := r.Read(b); n != 1 || b[0] != '\n' {
		t.Fatalf("%v: no readiness notification (%v); stderr: %s", c.Args, err, p.Stderr.String())
	}
	return p
}

// talk connects to a socket, sends in (then shuts its writing half) and
// returns what the server answered until it closed.
func talk(t *testing.T, path, in string) (string, error) {
	t.Helper()
	c, err := ipc.Dial(path)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if in != "" {
		if _, err := c.Write([]byte(in)); err != nil {
			return "", err
		}
	}
	c.CloseWrite()
	b, err := io.ReadAll(c)
	return string(b), err
}

// envOf parses `env` output into a map.
func envOf(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// othersMayRun opens the harness's directory (made 0700) to the other
// users the tests run clients as.
func othersMayRun(t *testing.T) {
	t.Helper()
	if err := os.Chmod(filepath.Dir(harness.BinDir(t)), 0o755); err != nil {
		t.Fatal(err)
	}
}

// asUser makes a command run as uid:gid.
func asUser(t *testing.T, c *exec.Cmd, uid, gid uint32) *exec.Cmd {
	othersMayRun(t)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true}}
	return c
}

// rules writes a rules directory: each key ("uid/0") maps to "allow" or
// "deny", and env files go under key/env.
func rules(t *testing.T, base string, r map[string]string, env map[string]map[string]string) string {
	t.Helper()
	for key, verdict := range r {
		harness.WriteFile(t, filepath.Join(base, key, verdict), "", 0o644)
	}
	for key, vars := range env {
		for k, v := range vars {
			harness.WriteFile(t, filepath.Join(base, key, "env", k), v, 0o644)
		}
	}
	return base
}
