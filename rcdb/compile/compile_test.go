package compile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"s6box/rcdb"
)

func TestParseList(t *testing.T) {
	got := ParseList([]byte("  a\n\n# comment\n\tb \n  # also comment\nc"))
	if want := []string{"a", "b ", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
}

func write(t testing.TB, root string, files map[string]string) {
	for k, v := range files {
		p := filepath.Join(root, k)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(v), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCompileModel(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	write(t, src, map[string]string{
		"l/type": "longrun\n", "l/run": "#!/bin/sh\n", "l/dependencies.d/o": "", "l/notification-fd": "3\n",
		"l/timeout-up": "100\n", "l/env/FOO": "bar",
		"o/type": "oneshot\n", "o/up": "if { true } echo \"a b\"", "o/timeout-down": "7",
		"b/type": "bundle\n", "b/contents": "l\n", "b/flag-essential": "",
		"p/type": "longrun\n", "p/run": "x", "p/producer-for": "l\n", "p/finish": "y",
		".hidden/type": "junk", "file": "not a dir",
	})
	write(t, src, map[string]string{"l/consumer-for": "p\n", "l/pipeline-name": "pl\n"})
	o := &Options{Self: "/bin/s6box"}
	target := filepath.Join(dir, "db")
	db, err := Compile(target, []string{src}, o)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := rcdb.Load(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Atoms) != 5 || loaded.NLong != 4 {
		t.Fatalf("atoms %+v", loaded.Atoms)
	}
	names := []string{}
	for _, a := range loaded.Atoms {
		names = append(names, a.Name)
	}
	if want := []string{rcdb.RunnerName, rcdb.FdholderName, "l", "p", "o"}; !reflect.DeepEqual(names, want) {
		t.Errorf("index order %q", names)
	}
	l, p, ob := loaded.Atoms[2], loaded.Atoms[3], loaded.Atoms[4]
	if !reflect.DeepEqual(l.Deps, []int{1, 4}) || l.Flags != rcdb.FlagEssential || l.TimeoutUp != 100 {
		t.Errorf("l = %+v", l)
	}
	if p.Consumer != 2 || !reflect.DeepEqual(p.Deps, []int{1, 2}) || !reflect.DeepEqual(l.Producers, []int{3}) {
		t.Errorf("p = %+v, l = %+v", p, l)
	}
	if !reflect.DeepEqual(ob.Argv[rcdb.SlotUp], []string{"if", " true", "", "echo", "a b"}) || ob.TimeoutDown != 7 || !reflect.DeepEqual(ob.Deps, []int{0}) {
		t.Errorf("o = %+v", ob)
	}
	if atoms, _ := loaded.Resolve("pl"); !reflect.DeepEqual(atoms, []int{2, 3}) {
		t.Errorf("pl = %v", atoms)
	}
	if len(db.Atoms) != len(loaded.Atoms) || db.Self != loaded.Self {
		t.Errorf("loaded db differs from the compiled one")
	}
	sd := filepath.Join(target, "servicedirs")
	for _, f := range []string{"l/run", "l/run.user", "l/rc-pipe", "l/notification-fd", "l/env/FOO", "p/run.user", "p/finish", "p/finish.user", "s6rc-oneshot-runner/run"} {
		if _, err := os.Stat(filepath.Join(sd, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(sd, "l/rc-pipe")); string(b) != "stdin l\n" {
		t.Errorf("l/rc-pipe = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(sd, "s6rc-fdholder/data/consumers")); string(b) != "l\n" {
		t.Errorf("consumers = %q", b)
	}
	// corrupt it: the checksum catches a changed byte
	b, _ := os.ReadFile(filepath.Join(target, "db"))
	b[len(b)-3] ^= 1
	os.WriteFile(filepath.Join(target, "db"), b, 0o644)
	if _, err := rcdb.Load(target); err == nil {
		t.Errorf("corrupt db loaded")
	}
}

// FuzzCompile feeds arbitrary bytes into the definition files of a small
// source tree: compilation must either fail with an *rcdb.Error or produce
// a database that passes its own consistency check. It never panics.
func FuzzCompile(f *testing.F) {
	f.Add([]byte("oneshot\n"), []byte("a\n"), []byte("echo hi"), []byte("100"), []byte("b\n"))
	f.Add([]byte("bundle\n"), []byte("x"), []byte("{ }"), []byte("x"), []byte("a\nb"))
	f.Add([]byte("longrun\n"), []byte("b\n"), []byte("\"\\0x41\""), []byte(""), []byte("a"))
	f.Fuzz(func(t *testing.T, typ, deps, up, timeout, contents []byte) {
		dir := t.TempDir()
		src := filepath.Join(dir, "src")
		write(t, src, map[string]string{
			"a/type": string(typ), "a/dependencies": string(deps), "a/up": string(up), "a/run": "x",
			"a/timeout-up": string(timeout), "a/contents": string(contents), "a/producer-for": string(deps),
			"b/type": "oneshot\n", "b/up": string(up), "b/dependencies": string(contents),
			"c/type": "bundle\n", "c/contents": string(contents),
		})
		db, err := Compile(filepath.Join(dir, "db"), []string{src}, &Options{})
		if err != nil {
			var re *rcdb.Error
			if !errors.As(err, &re) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := db.Check(); err != nil {
			t.Fatalf("compiled db fails its check: %v", err)
		}
		if _, err := rcdb.Load(filepath.Join(dir, "db")); err != nil {
			t.Fatalf("compiled db does not load: %v", err)
		}
	})
}
