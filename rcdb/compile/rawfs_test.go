package compile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestReadDirComplete(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := 0; i < 600; i++ { // several getdents buffers' worth
		n := fmt.Sprintf("entry-with-a-longish-name-%03d", (i*7)%600)
		want = append(want, n)
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(want)
	ents, err := readDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("readDir gave %d names, want %d sorted", len(got), len(want))
	}
	if _, err := readDir(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v", err)
	}
}

// The listing answers exactly as probing each path would, symlinks
// included.
func TestListingMatchesProbing(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"s/file": "x", "s/sub/f": "", "other": "y"})
	os.Symlink("../other", filepath.Join(dir, "s/tofile"))
	os.Symlink("sub", filepath.Join(dir, "s/todir"))
	os.Symlink("missing", filepath.Join(dir, "s/dangling"))
	listed := &svc{dir: filepath.Join(dir, "s")}
	ents, err := readDir(listed.dir)
	if err != nil {
		t.Fatal(err)
	}
	listed.ents = map[string]uint8{}
	for _, e := range ents {
		listed.ents[e.name] = e.typ
	}
	probed := &svc{dir: listed.dir}
	for _, n := range []string{"file", "sub", "tofile", "todir", "dangling", "absent"} {
		if a, b := listed.has(n), probed.has(n); a != b {
			t.Errorf("has(%s): listed %v probed %v", n, a, b)
		}
		a, aerr := listed.isDir(n)
		b, berr := probed.isDir(n)
		if a != b || (aerr == nil) != (berr == nil) {
			t.Errorf("isDir(%s): listed %v,%v probed %v,%v", n, a, aerr, b, berr)
		}
		a, aerr = listed.isRegular(n)
		b, berr = probed.isRegular(n)
		if a != b || (aerr == nil) != (berr == nil) {
			t.Errorf("isRegular(%s): listed %v,%v probed %v,%v", n, a, aerr, b, berr)
		}
		ab, aerr := listed.read(n)
		bb, berr := probed.read(n)
		if string(ab) != string(bb) || errors.Is(aerr, os.ErrNotExist) != errors.Is(berr, os.ErrNotExist) {
			t.Errorf("read(%s): listed %q,%v probed %q,%v", n, ab, aerr, bb, berr)
		}
	}
}

func TestCompileSymlinks(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	write(t, src, map[string]string{"a/type": "longrun\n"})
	write(t, dir, map[string]string{"elsewhere/b/type": "oneshot\n", "elsewhere/b/up": "true", "runfile": "#!/bin/sh\n"})
	os.Symlink("../../runfile", filepath.Join(src, "a/run"))
	os.Symlink("gone", filepath.Join(src, "a/timeout-up")) // dangling: absent
	os.Symlink("../elsewhere/b", filepath.Join(src, "b"))  // service dir via symlink
	db, err := Compile(filepath.Join(dir, "db"), []string{src}, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range db.Atoms {
		names = append(names, a.Name)
	}
	if got := strings.Join(names, " "); !strings.HasSuffix(got, " a b") {
		t.Errorf("atoms %s", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "db/servicedirs/a/run")); string(b) != "#!/bin/sh\n" {
		t.Errorf("a/run = %q, %v", b, err)
	}
	os.Symlink("../../runfile", filepath.Join(src, "a/data"))
	_, err = Compile(filepath.Join(dir, "db2"), []string{src}, &Options{})
	if err == nil || !strings.Contains(err.Error(), "a/data is not a directory") {
		t.Errorf("data symlink to a file: %v", err)
	}
}
