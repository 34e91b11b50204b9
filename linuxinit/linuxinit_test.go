package linuxinit

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestControlRoundTrip(t *testing.T) {
	msgs := []Message{
		{Action: ActPoweroff},
		{Action: ActReboot, Delay: 90*time.Second + 5, GraceMs: 1500},
		{Action: ActCancel},
		{Action: ActRunlevel, Runlevel: "3"},
		{Action: ActSingle, Delay: time.Minute},
	}
	var stream []byte
	for _, m := range msgs {
		stream = append(stream, m.Encode()...)
	}
	// s6-linux-init-shutdownd framing: 17 bytes for a shutdown request.
	if n := len(Message{Action: ActHalt}.Encode()); n != 17 {
		t.Fatalf("halt message is %d bytes, want 17", n)
	}
	var got []Message
	for len(stream) > 0 {
		m, n, err := Decode(stream)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
		stream = stream[n:]
	}
	if !reflect.DeepEqual(got, msgs) {
		t.Fatalf("got %+v\nwant %+v", got, msgs)
	}
	if _, _, err := Decode([]byte("p\x00\x00")); err != ErrShort {
		t.Fatalf("short message: %v", err)
	}
	if _, n, err := Decode([]byte("zp")); err == nil || n != 1 || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown byte: %v %d", err, n)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Message{Action: ActReboot, Delay: time.Second, GraceMs: 7}.Encode())
	f.Add([]byte("l\x05abc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			_, n, err := Decode(b)
			if err == ErrShort {
				return
			}
			if n <= 0 || n > len(b) {
				t.Fatalf("Decode used %d of %d bytes", n, len(b))
			}
			b = b[n:]
		}
	})
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 1, 2, 10, 30, 0, 0, time.UTC)
	good := map[string]time.Duration{"now": 0, "+5": 5 * time.Minute, "5": 5 * time.Minute,
		"23:59": 13*time.Hour + 29*time.Minute, "10:00": 23*time.Hour + 30*time.Minute, "0:00": 13*time.Hour + 30*time.Minute}
	for in, want := range good {
		got, err := ParseWhen(in, now)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"24:00", "1:5", "12:60", "+", "soon", "-5", "123:00"} {
		if _, err := ParseWhen(in, now); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestUnmountPlan(t *testing.T) {
	mounts := `rootfs / rootfs rw 0 0
proc /proc proc rw 0 0
sysfs /sys sysfs rw 0 0
dev /dev devtmpfs rw 0 0
tmpfs /run tmpfs rw 0 0
/dev/sda1 /mnt/a\040b ext4 rw 0 0
proc /mnt/a\040b/proc proc rw 0 0
tmpfs /tmp tmpfs rw 0 0
`
	ms, err := ParseMounts(strings.NewReader(mounts))
	if err != nil {
		t.Fatal(err)
	}
	got := UnmountPlan(ms, "/run")
	want := []string{"/tmp", "/mnt/a b/proc", "/mnt/a b"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("plan %q, want %q", got, want)
	}
}

func TestEnvdirVerbatim(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "A"), []byte("one\n\n"), 0o644)
	os.WriteFile(filepath.Join(d, "B"), []byte("x\x00y"), 0o644)
	os.WriteFile(filepath.Join(d, "GONE"), nil, 0o644)
	os.WriteFile(filepath.Join(d, ".hidden"), []byte("no"), 0o644)
	vars, err := ReadEnvdir(d)
	if err != nil {
		t.Fatal(err)
	}
	env := BuildEnv("/bin", vars, "X=1")
	want := []string{"PATH=/bin", "A=one\n", "B=x\ny", "X=1"}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("env %q, want %q", env, want)
	}
}

func TestRunlevelScan(t *testing.T) {
	if rl := Runlevel([]string{"quiet", "3", "5"}, "default", false); rl != "3" {
		t.Fatalf("got %q", rl)
	}
	if rl := Runlevel([]string{"3"}, "top", true); rl != "top" {
		t.Fatalf("container got %q", rl)
	}
	if rl := Runlevel(nil, "default", false); rl != "default" {
		t.Fatalf("got %q", rl)
	}
}

func TestRunscript(t *testing.T) {
	text := "#!/bin/s6box runscript\n# comment\ninit -c \"/a b\" -p x#y\n  \"q\\\"uote\" \"\" $@\n"
	w, err := ParseRunscript(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"init", "-c", "/a b", "-p", "x#y", `q"uote`, "", "$@"}
	if !reflect.DeepEqual(w, want) {
		t.Fatalf("%q, want %q", w, want)
	}
	if got := SubstArgs(w[6:], []string{"k1", "k 2"}); !reflect.DeepEqual(got, []string{"", "k1", "k 2"}) {
		t.Fatalf("subst %q", got)
	}
	if _, err := ParseRunscript("#!x\n\"open"); err == nil {
		t.Fatal("unterminated quote accepted")
	}
}

func FuzzRunscriptQuote(f *testing.F) {
	f.Add("a", "b c")
	f.Add("\"\\", "#x\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		text := "#!/bin/s6box runscript\n" + Quote(a) + " " + Quote(b) + "\n"
		w, err := ParseRunscript(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if !reflect.DeepEqual(w, []string{a, b}) {
			t.Fatalf("%q parsed to %q", text, w)
		}
	})
}

func TestMakerTree(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	c := MakerConfig{BaseDir: "/etc/s6-linux-init/current", Binary: "/bin/s6box", Verbosity: 1, ConsoleCopy: true,
		Timestamps: 3, Path: "/bin", Umask: 0o22, GraceMs: 3000, InitDefault: "default", RunDir: "/run",
		Container: true, ExitService: "app", Env: []string{"A=1", "B=", "C"}}
	if err := Make(dir, c); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "bin/init"))
	words, err := ParseRunscript(string(b))
	if err != nil {
		t.Fatal(err)
	}
	want := "init -c /etc/s6-linux-init/current -v 1 -m 022 -p /bin -g 3000 -D default -R /run -C -x app -- $@"
	if strings.Join(words, " ") != want || !strings.HasPrefix(string(b), "#!/bin/s6box runscript\n") {
		t.Fatalf("bin/init:\n%s", b)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "run-image/service/s6-svscan-log/run"))
	if !strings.Contains(string(b), "init-logger -c fifo log -b -- 1 t T /run/uncaught-logs") {
		t.Fatalf("logger run:\n%s", b)
	}
	for f, content := range map[string]string{"env/A": "1\n", "env/B": "\n", "env/C": "",
		"run-image/s6-linux-init-container-results/exitcode": "0\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != content {
			t.Errorf("%s: %q %v", f, b, err)
		}
	}
	st, err := os.Lstat(filepath.Join(dir, "run-image/service/s6-svscan-log/fifo"))
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("fifo: %v %v", st, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "bin/telinit")); err == nil {
		t.Error("container tree has telinit")
	}
	if err := Make(dir, c); err == nil {
		t.Fatal("existing directory accepted")
	}
	c.BaseDir = "relative"
	if err := Make(filepath.Join(t.TempDir(), "t2"), c); err == nil {
		t.Fatal("relative basedir accepted")
	}
}

// -r: the s6-rc hooks are written ready to use (no hand-editing of skeletons).
func TestMakerS6rcHooks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	c := MakerConfig{BaseDir: "/etc/s6-linux-init/current", Binary: "/bin/s6box", Path: "/bin", Umask: 0o22,
		GraceMs: 3000, InitDefault: "default", RunDir: "/run", RCDatabase: "/etc/s6-rc/compiled"}
	if err := Make(dir, c); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{
		"scripts/rc.init":     "s6-rc-init -c /etc/s6-rc/compiled /run/service\nexec /etc/s6-linux-init/current/scripts/runlevel \"$rl\"\n",
		"scripts/runlevel":    "exec s6-rc -v2 -up change \"$1\"\n",
		"scripts/rc.shutdown": "exec s6-rc -v2 -bDa change\n",
	} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !strings.HasSuffix(string(b), want) {
			t.Errorf("%s does not end with %q:\n%s", f, want, b)
		}
	}
}
