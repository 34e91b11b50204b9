package overlay

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDefaultsAndValues(t *testing.T) {
	s, unknown, err := Parse([]string{"PATH=/bin", "S6_LOGGING=2", "S6_KILL_GRACETIME=500",
		"S6_CMD_ARG0=/usr/bin/entry --flag", "S6_BEHAVIOUR_IF_STAGE2_FAILS=7", "S6_VERBOSITY=",
		"S6_OVERLAY_VERSION=3.2", "S6_CMD_RECEIVE_SIGNALS=0"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Logging != 2 || s.KillGrace != 500*time.Millisecond || s.Stage2Fails != 2 || s.Verbosity != 2 {
		t.Errorf("settings: %+v", s)
	}
	if !reflect.DeepEqual(s.CmdArg0, []string{"/usr/bin/entry", "--flag"}) {
		t.Errorf("S6_CMD_ARG0: %q", s.CmdArg0)
	}
	if !reflect.DeepEqual(unknown, []string{"S6_OVERLAY_VERSION"}) {
		t.Errorf("unknown: %q", unknown)
	}
	if d := Defaults(); d.FinishMaxTime != 5*time.Second || d.ServicesReadyTime != 0 {
		t.Errorf("defaults: %+v", d)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, kv := range []string{"S6_LOGGING=3", "S6_KILL_GRACETIME=abc", "S6_KILL_GRACETIME=300001",
		"S6_CMD_RECEIVE_SIGNALS=1", "S6_CMD_USE_TERMINAL=1", "S6_FIX_ATTRS_HIDDEN=1",
		"S6_RUNTIME_PROFILE=../x", "S6_RUNTIME_BUNDLEDIR=rel", "S6_LOGGING_SCRIPT=n2 /tmp/x"} {
		_, _, err := Parse([]string{kv})
		var se *SettingError
		if !errors.As(err, &se) || se.Name+"="+se.Value != kv || !strings.HasPrefix(err.Error(), kv+": ") {
			t.Errorf("%s: %v", kv, err)
		}
	}
}

func TestContEnvRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ce")
	env := []string{"A=1", "B=two words", "EMPTY=", "ML=x\ny", "bad/name=z", "PATH=/p"}
	if err := WriteContEnv(dir, env); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "B")); string(b) != "two words" {
		t.Errorf("stored B = %q (s6-dumpenv stores the bare value)", b)
	}
	for name, want := range map[string]string{"A": "1", "B": "two words", "ML": "x\ny"} {
		if v, err := Lookup(dir, nil, name); err != nil || v != want {
			t.Errorf("%s = %q, %v", name, v, err)
		}
	}
	if _, err := Lookup(dir, nil, "NOPE"); !errors.Is(err, ErrNotSet) {
		t.Errorf("NOPE: %v", err)
	}
	got, err := ContainerEnv(dir, []string{"PATH=/command:/bin", "INIT=1"})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(got, ",")
	if !strings.HasPrefix(joined, "PATH=/command:/bin,") || strings.Contains(joined, "INIT=") || !strings.Contains(joined, "A=1") {
		t.Errorf("with-contenv env: %q", got)
	}
	// S6_KEEP_ENV: nothing is read, the environment is kept.
	keep := []string{"S6_KEEP_ENV=1", "X=y"}
	if got, _ := ContainerEnv("/nonexistent", keep); !reflect.DeepEqual(got, keep) {
		t.Errorf("keep env: %q", got)
	}
	if v, err := Lookup("/nonexistent", keep, "X"); v != "y" || err != nil {
		t.Errorf("keep env lookup: %q %v", v, err)
	}
}

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "/command:/usr/bin:/bin",
		"PATH=/usr/local/bin:/bin":          "/command:/usr/bin:/usr/local/bin:/bin",
		"PATH=/command:/usr/bin:/bin:/sbin": "/command:/usr/bin:/bin:/sbin",
	} {
		if got := Path([]string{in}); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestSourceDirs(t *testing.T) {
	etc := t.TempDir()
	gen := filepath.Join(t.TempDir(), "gen")
	l := NewLayout(etc, Defaults())
	if dirs, err := l.SourceDirs(gen); err != nil || dirs != nil {
		t.Fatalf("no s6-rc.d: %q %v", dirs, err)
	}
	os.MkdirAll(filepath.Join(l.RCDir, "svc"), 0o755)
	os.MkdirAll(filepath.Join(l.BundleDir, "user", "contents.d"), 0o755)
	dirs, err := l.SourceDirs(gen)
	if err != nil || !reflect.DeepEqual(dirs, []string{l.RCDir, l.BundleDir, gen}) {
		t.Fatalf("dirs %q %v", dirs, err)
	}
	// user comes from the bundle directory, user2 is generated, as are
	// the names s6-overlay's own services give.
	for _, b := range []string{"base", "legacy-services", "user2"} {
		if ty, _ := os.ReadFile(filepath.Join(gen, b, "type")); string(ty) != "bundle\n" {
			t.Errorf("%s: %q", b, ty)
		}
	}
	if isDir(filepath.Join(gen, "user")) {
		t.Error("user generated although the bundle directory has it")
	}
	// A profile moves everything.
	p := NewLayout(etc, Settings{RuntimeProfile: "dev"})
	if p.Legacy != filepath.Join(etc, "cont-profile.d/dev") || p.RCDir != filepath.Join(etc, "cont-profile.d/dev/s6-overlay/s6-rc.d") {
		t.Errorf("profile layout: %+v", p)
	}
}
