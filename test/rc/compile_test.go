package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

// Every compile-time error of the spec: exit code and a message naming the
// file or service at fault. Nothing may be left at the target.
func TestCompileErrors(t *testing.T) {
	ok := func(name string) map[string]string {
		return map[string]string{name + "/type": "oneshot\n", name + "/up": "true\n"}
	}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	cases := []struct {
		name  string
		files map[string]string
		code  int
		msg   string // with SRC replaced by the source dir
	}{
		{"dependency cycle", merge(ok("a"), ok("b"), map[string]string{"a/dependencies": "b\n", "b/dependencies": "a\n"}), 1,
			"cyclic service dependency reached from a and involving a (cycle: a -> b -> a)"},
		{"self dependency", merge(ok("a"), map[string]string{"a/dependencies": "a\n"}), 1,
			"cyclic service dependency reached from a and involving a (cycle: a -> a)"},
		{"bundle cycle", map[string]string{"b1/type": "bundle\n", "b1/contents": "b2\n", "b2/type": "bundle\n", "b2/contents": "b1\n"}, 1,
			"cyclic bundle definition: resolution of b2 encountered a cycle involving b1"},
		{"bundle contains itself", map[string]string{"b/type": "bundle\n", "b/contents": "b\n"}, 1,
			"cyclic bundle definition: resolution of b encountered a cycle involving b"},
		{"unknown dependency", merge(ok("a"), map[string]string{"a/dependencies": "nope\n"}), 1,
			"during dependency resolution for service a: undefined service name nope"},
		{"unknown bundle member", map[string]string{"b/type": "bundle\n", "b/contents.d/nope": ""}, 1,
			"during resolution of bundle b: undefined service name nope"},
		{"reserved dir name", ok("s6rc-x"), 1, "in SRC: identifier s6rc-x starts with reserved prefix"},
		{"reserved dependency", merge(ok("a"), map[string]string{"a/dependencies": "s6rc-oneshot-runner\n"}), 1,
			"in SRC: identifier s6rc-oneshot-runner starts with reserved prefix"},
		{"bad type", map[string]string{"b/type": "bundle \n", "b/contents": ""}, 1,
			"invalid SRC/b/type: must be oneshot, longrun, or bundle"},
		{"missing type", map[string]string{"b/contents": ""}, 111, "unable to read SRC/b/type: No such file or directory"},
		{"missing run", map[string]string{"l/type": "longrun\n"}, 1, "unable to find a run script in SRC/l/run"},
		{"run not regular", map[string]string{"l/type": "longrun\n", "l/run": "<dir>"}, 1, "SRC/l/run is not a regular file"},
		{"missing up", map[string]string{"o/type": "oneshot\n"}, 111, "unable to open SRC/o/up: No such file or directory"},
		{"missing contents", map[string]string{"b/type": "bundle\n"}, 111, "unable to open SRC/b/contents: No such file or directory"},
		{"invalid timeout", merge(ok("a"), map[string]string{"a/timeout-up": "12x\n"}), 1, "invalid SRC/a/timeout-up"},
		{"unmatched brace", map[string]string{"a/type": "oneshot\n", "a/up": "if { true\n"}, 1, "syntax error in SRC/a/up: unmatched {"},
		{"unmatched close brace", map[string]string{"a/type": "oneshot\n", "a/up": "true }\n"}, 1, "syntax error in SRC/a/up: unmatched }"},
		{"unterminated quote", map[string]string{"a/type": "oneshot\n", "a/up": "echo \"x\n"}, 1, "syntax error in SRC/a/up"},
		{"notification-fd == lock-fd", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/notification-fd": "4\n", "l/lock-fd": "4\n"}, 1,
			"longrun l has the same value for notification-fd and lock-fd"},
		{"bad notification-fd", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/notification-fd": "three\n"}, 111,
			"unable to read SRC/l/notification-fd: invalid argument"},
		{"env not a dir", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/env": "x"}, 1, "SRC/l/env is not a directory"},
		{"two producer-for", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/producer-for": "a\nb\n"}, 1,
			"SRC/l/producer-for should only contain one service name"},
		{"producer for a oneshot", merge(ok("o"), map[string]string{"l/type": "longrun\n", "l/run": "x", "l/producer-for": "o\n"}), 1,
			"longrun service l declares being a producer for a service named o of type oneshot"},
		{"consumer not declared back", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/consumer-for": "p\n",
			"p/type": "longrun\n", "p/run": "x"}, 1,
			"longrun service l declares being the consumer for a service named p that does not declare it back"},
		{"producer not declared back", map[string]string{"l/type": "longrun\n", "l/run": "x",
			"p/type": "longrun\n", "p/run": "x", "p/producer-for": "l\n"}, 1,
			"longrun service p declares being a producer for a service named l that does not declare it back"},
		{"pipeline name clash", map[string]string{"l/type": "longrun\n", "l/run": "x", "l/consumer-for": "p\n", "l/pipeline-name": "p\n",
			"p/type": "longrun\n", "p/run": "x", "p/producer-for": "l\n"}, 1,
			"duplicate service definition: p defined in s6-rc-compile internals is already defined and has type longrun"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "src")
			os.Mkdir(src, 0o755)
			writeTree(t, src, c.files)
			target := filepath.Join(dir, "compiled")
			r := harness.Run(t, "s6-rc-compile", target, src)
			want := "s6-rc-compile: fatal: " + strings.ReplaceAll(c.msg, "SRC", src)
			if r.Code != c.code || !strings.Contains(r.Stderr, want) {
				t.Errorf("exit %d, stderr %q\nwant exit %d, %q", r.Code, r.Stderr, c.code, want)
			}
			if _, err := os.Lstat(target); err == nil {
				t.Errorf("target was created despite the error")
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("temporary files left: %v", ents)
			}
		})
	}
}

func TestCompileDuplicateAcrossSourcesAndExistingTarget(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := filepath.Join(dir, "s1"), filepath.Join(dir, "s2")
	writeTree(t, s1, map[string]string{"a/type": "oneshot\n", "a/up": "true\n"})
	writeTree(t, s2, map[string]string{"a/type": "bundle\n", "a/contents": ""})
	r := harness.Run(t, "s6-rc-compile", filepath.Join(dir, "c"), s1, s2)
	if r.Code != 1 || !strings.Contains(r.Stderr, "duplicate service definition: a defined in "+s2+" is already defined and has type oneshot") {
		t.Errorf("duplicate: %d %q", r.Code, r.Stderr)
	}
	os.Mkdir(filepath.Join(dir, "exists"), 0o755)
	r = harness.Run(t, "s6-rc-compile", filepath.Join(dir, "exists"), s1)
	if r.Code != 111 || !strings.Contains(r.Stderr, "exists") {
		t.Errorf("existing target: %d %q", r.Code, r.Stderr)
	}
	// warnings: empty source, pipeline-name on a non-last consumer, low fds
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	writeTree(t, s1, map[string]string{
		"p/type": "longrun\n", "p/run": "x", "p/producer-for": "c\n", "p/pipeline-name": "pp\n", "p/notification-fd": "1\n",
		"c/type": "longrun\n", "c/run": "x", "c/consumer-for": "p\n",
	})
	r = harness.Run(t, "s6-rc-compile", filepath.Join(dir, "ok"), s1, empty)
	if r.Code != 0 {
		t.Fatalf("compile: %d %s", r.Code, r.Stderr)
	}
	for _, w := range []string{"warning: source " + empty + " is empty",
		"warning: " + s1 + "/p contains a pipeline-name file despite not being a last consumer; this file will be ignored",
		"warning: longrun p has a notification-fd of 1"} {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("missing %q in %q", w, r.Stderr)
		}
	}
	if r := harness.Run(t, "s6-rc-compile", "-v0", filepath.Join(dir, "ok2"), s1, empty); r.Stderr != "" {
		t.Errorf("-v0 printed %q", r.Stderr)
	}
}

// A symlink in a source directory that cannot be followed (dangling, or a
// loop) is an error naming it, as s6-rc-compile's failed stat is; it used
// to be skipped silently.
func TestCompileUnfollowableSymlink(t *testing.T) {
	for _, target := range []string{"/nonexistent/svc", "self"} {
		dir := t.TempDir()
		src := filepath.Join(dir, "src")
		writeTree(t, src, map[string]string{"a/type": "oneshot\n", "a/up": "echo hi\n"})
		if err := os.Symlink(target, filepath.Join(src, "self")); err != nil {
			t.Fatal(err)
		}
		r := harness.Run(t, "s6-rc-compile", filepath.Join(dir, "db"), src)
		if r.Code != 111 || !strings.Contains(r.Stderr, "unable to stat "+filepath.Join(src, "self")) {
			t.Errorf("symlink to %s: %d %q", target, r.Code, r.Stderr)
		}
	}
}
