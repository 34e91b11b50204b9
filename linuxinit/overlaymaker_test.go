package linuxinit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func overlayConfig() MakerConfig {
	return MakerConfig{BaseDir: "/etc/s6-linux-init/current", Binary: "/bin/s6box", Umask: 0o22,
		Path: "/bin", RunDir: "/run", InitDefault: "default", Container: true, Overlay: true}
}

func TestMakeOverlayTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	if err := Make(dir, overlayConfig()); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{
		"bin/init":            "overlay-init -c /etc/s6-linux-init/current -m 022 -- $@",
		"scripts/rc.init":     "overlay-stage2 $@",
		"scripts/rc.shutdown": "overlay-stage3",
	} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || !strings.HasPrefix(string(b), "#!/bin/s6box runscript\n") || !strings.Contains(string(b), want) {
			t.Errorf("%s: %q %v", rel, b, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "run-image/service/s6-svscan-log")); err == nil {
		t.Error("the overlay tree has a catch-all logger: stage 0 makes it from S6_LOGGING")
	}
	for _, c := range []func(*MakerConfig){
		func(c *MakerConfig) { c.Container = false },
		func(c *MakerConfig) { c.RunDir = "/var/run" },
		func(c *MakerConfig) { c.RCDatabase = "/etc/s6-rc/compiled" },
	} {
		mc := overlayConfig()
		c(&mc)
		var me *MakerError
		if err := mc.Check(); !errors.As(err, &me) {
			t.Errorf("%+v: %v", mc, err)
		}
	}
}

func TestMakeCatchAllLoggerScriptAndDir(t *testing.T) {
	ri := t.TempDir()
	c := overlayConfig()
	c.ConsoleCopy, c.LogDir, c.LogScript = true, "/var/log/s6-uncaught-logs", []string{"n20", "s1000000", "T"}
	if err := MakeCatchAllLogger(ri, &c); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(ri, "service/s6-svscan-log/run"))
	if !strings.Contains(string(b), "log -b -- 1 n20 s1000000 T /var/log/s6-uncaught-logs\n") {
		t.Errorf("run: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(ri, "uncaught-logs")); err == nil {
		t.Error("uncaught-logs made in the run image although LogDir is elsewhere")
	}
}
