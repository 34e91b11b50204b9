package svmaker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \"\n") {
		return `"` + s + `"`
	}
	return s
}

func TestParseRC(t *testing.T) {
	for _, c := range []struct {
		in         string
		needLogger bool
		want       RC
		bad        bool
	}{
		{"a", false, RC{Service: "a"}, false},
		{"a/b", false, RC{Service: "a", Logger: "b"}, false},
		{"a/b/c", true, RC{Service: "a", Logger: "b", Pipeline: "c"}, false},
		{"a", true, RC{}, true},
		{"/b", false, RC{}, true},
		{"a/", false, RC{}, true},
		{"a//c", false, RC{}, true},
		{"a/b/", false, RC{}, true},
		{"a/b/c/d", false, RC{}, true},
		{"a\nb", false, RC{}, true},
	} {
		got, err := ParseRC(c.in, c.needLogger)
		var ue *ErrUsage
		if c.bad != errors.As(err, &ue) || !c.bad && got != c.want {
			t.Errorf("%q: %+v %v", c.in, got, err)
		}
	}
}

func TestMakeInstance(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "tmpl")
	os.MkdirAll(tmpl, 0o755)
	os.WriteFile(filepath.Join(tmpl, "run"), []byte("#!/bin/sh\n"), 0o755)
	lg := DefaultLogger()
	lg.Dir, lg.User, lg.StampType, lg.MaxSize, lg.Prefix, lg.HasPrefix = "/var/log/x", "daemon", 3, 9, "p x", true
	sc := Script{Bin: "/bin/s6box", Quote: quote}
	err := MakeInstance(Instance{Template: tmpl, Dir: filepath.Join(dir, "out"), User: "nobody", Max: 100000, Logger: &lg, Script: sc})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := os.ReadFile(filepath.Join(dir, "out", "run"))
	if string(run) != "#!/bin/s6box runscript\n/bin/s6box fdmove -c 2 1 /bin/s6box setuidgid nobody /bin/s6box svscan -d3 -c90000 -- instance\n" {
		t.Errorf("run: %q", run)
	}
	lrun, _ := os.ReadFile(filepath.Join(dir, "out", "log", "run"))
	if string(lrun) != "#!/bin/s6box runscript\n/bin/s6box setuidgid daemon /bin/s6box log -bd3 -- t T n10 s1000000 S9 \"pp x\" /var/log/x\n" {
		t.Errorf("log/run: %q", lrun)
	}
	for _, f := range []string{"instance", "instances", "template/run", "notification-fd", "log/notification-fd"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Error(err)
		}
	}
	// the directory must not exist
	if err := MakeInstance(Instance{Template: tmpl, Dir: filepath.Join(dir, "out"), Script: sc}); err == nil {
		t.Error("an existing directory was accepted")
	}
	bad := lg
	bad.Dir = "relative"
	var ue *ErrUsage
	if err := MakeInstance(Instance{Template: tmpl, Dir: filepath.Join(dir, "o2"), Logger: &bad, Script: sc}); !errors.As(err, &ue) {
		t.Errorf("relative logdir: %v", err)
	}
	if err := MakeInstance(Instance{Template: tmpl, Dir: filepath.Join(dir, "o3"), User: "a b", Script: sc}); !errors.As(err, &ue) {
		t.Errorf("user with a blank: %v", err)
	}
}

func TestUsertreeScript(t *testing.T) {
	u := Usertree{User: "bob", ScanDir: "${HOME}/service", Path: "/bin", EnvDir: "/e", Vars: []string{"A"},
		Script: Script{Bin: "/b", Quote: quote}}
	s := u.usertreeScript()
	for _, want := range []string{
		`"/b" export USER "bob"`, `"/b" envdir -i -- "/e"`, `  importas -D "" -- "A" "A"`,
		`"/b" export "A" ${"A"}`, `"/b" svscan -d3 -- "${HOME}/service"`, `{ "/b" homeof "bob" }`,
	} {
		if !strings.Contains(s, want+"\n") && !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	var ue *ErrUsage
	for _, bad := range []Usertree{
		{User: "bob", ScanDir: "rel", Logger: Logger{Dir: "/l"}},
		{User: "bob", Logger: Logger{Dir: "l"}},
		{User: "bob", Vars: []string{"A=B"}, Logger: Logger{Dir: "/l"}},
	} {
		bad.Dir = filepath.Join(t.TempDir(), "x")
		if err := MakeUsertree(bad); !errors.As(err, &ue) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
