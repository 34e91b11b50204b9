package multicall

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

func TestUnknownAppletListsAndExits100(t *testing.T) {
	r := harness.Run(t, harness.Binary(t), "no-such-applet")
	if r.Code != 100 || !strings.Contains(r.Stderr, "unknown applet") {
		t.Fatalf("code %d stderr %q", r.Code, r.Stderr)
	}
}

func TestInstallFarmMatchesList(t *testing.T) {
	r := harness.Run(t, harness.Binary(t), "--list")
	if r.Code != 0 {
		t.Fatalf("--list: %d %s", r.Code, r.Stderr)
	}
	names := strings.Fields(r.Stdout)
	dir := t.TempDir()
	if r := harness.Run(t, harness.Binary(t), "--install", dir); r.Code != 0 {
		t.Fatalf("--install: %d %s", r.Code, r.Stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(names)+1 {
		t.Fatalf("%d links for %d names and s6box", len(entries), len(names))
	}
	if l, err := os.Readlink(filepath.Join(dir, "s6box")); err != nil || l != harness.Binary(t) {
		t.Errorf("s6box itself is not linked: %q %v", l, err)
	}
	for _, n := range names {
		if _, err := os.Readlink(filepath.Join(dir, n)); err != nil {
			t.Errorf("no link for %s: %v", n, err)
		}
	}
	// A regular file in the way is never replaced.
	if len(names) > 0 {
		victim := filepath.Join(dir, names[0])
		os.Remove(victim)
		os.WriteFile(victim, []byte("data"), 0o644)
		if r := harness.Run(t, harness.Binary(t), "--install", dir); r.Code == 0 || !strings.Contains(r.Stderr, victim) {
			t.Fatalf("overwrote a regular file: %d %q", r.Code, r.Stderr)
		}
		if b, _ := os.ReadFile(victim); string(b) != "data" {
			t.Fatal("data lost")
		}
	}
}

func TestVersionAndHelpForEveryApplet(t *testing.T) {
	r := harness.Run(t, harness.Binary(t), "--list")
	for _, n := range strings.Fields(r.Stdout) {
		v := harness.Run(t, harness.Path(t, n), "--version")
		if v.Code != 0 || !strings.HasPrefix(v.Stdout, n+" (s6box ") {
			t.Errorf("%s --version: %d %q", n, v.Code, v.Stdout)
		}
		h := harness.Run(t, harness.Binary(t), n, "--help")
		if h.Code != 0 || !strings.HasPrefix(h.Stdout, "usage: "+n+" ") {
			t.Errorf("s6box %s --help: %d %q", n, h.Code, h.Stdout)
		}
	}
}
