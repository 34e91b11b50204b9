package posix

import (
	"errors"
	"testing"
)

func TestParseUmask(t *testing.T) {
	for _, c := range []struct {
		mode      string
		cur, want uint32
	}{
		{"027", 0o022, 0o027},
		{"1777", 0, 0o777},
		{"", 0o027, 0o027},
		{"u=", 0o022, 0o722},
		{"u=rwx,g=rx,o=", 0o022, 0o027},
		{"g=u", 0o022, 0o002},
		{"go=u-w", 0o077, 0o022},
		{"+x", 0o777, 0o666},
		{"u+r-w", 0o022, 0o222},
		{"a=rX,u+ws", 0o000, 0o022},
		{"u=rw,", 0o022, 0o122},
	} {
		got, err := ParseUmask(c.mode, c.cur)
		if err != nil || got != c.want {
			t.Errorf("ParseUmask(%q, %04o) = %04o, %v; want %04o", c.mode, c.cur, got, err, c.want)
		}
	}
	for _, bad := range []string{"u", ",", "a+r,,g-w", "8", "u=gw", "u!r", "7777777777777"} {
		if _, err := ParseUmask(bad, 0o022); !errors.Is(err, ErrMode) {
			t.Errorf("ParseUmask(%q): %v, want ErrMode", bad, err)
		}
	}
}

func TestFormatUmask(t *testing.T) {
	for _, c := range []struct {
		mask        uint32
		oct, symbol string
	}{
		{0o022, "0022", "u=rwx,g=rx,o=rx"},
		{0o777, "0777", "u=,g=,o="},
		{0, "0000", "u=rwx,g=rwx,o=rwx"},
		{0o7027, "0027", "u=rwx,g=rx,o="},
	} {
		if o, s := FormatUmask(c.mask, false), FormatUmask(c.mask, true); o != c.oct || s != c.symbol {
			t.Errorf("FormatUmask(%04o) = %q, %q; want %q, %q", c.mask, o, s, c.oct, c.symbol)
		}
	}
}

func TestResolveCD(t *testing.T) {
	dirs := map[string]bool{"/srv/sub": true, "./local": true}
	env := CDEnv{Home: "/home/u", OldPwd: "/old", Pwd: "/a/link", CDPath: "/nope:/srv:",
		IsDir: func(p string) bool { return dirs[p] }}
	for _, c := range []struct {
		dir     string
		hasDir  bool
		logical bool
		want    CDTarget
	}{
		{"", false, true, CDTarget{"/home/u", false}},
		{"-", true, true, CDTarget{"/old", true}},
		{"../b/./c//", true, true, CDTarget{"/a/b/c", false}},
		{"../b", true, false, CDTarget{"../b", false}},
		{"sub", true, true, CDTarget{"/srv/sub", true}},
		{"local", true, false, CDTarget{"./local", false}}, // empty CDPATH entry: not printed
		{"./sub", true, false, CDTarget{"./sub", false}},   // dotted: no CDPATH search
		{"/abs/../x", true, true, CDTarget{"/x", false}},
	} {
		got, err := ResolveCD(c.dir, c.hasDir, c.logical, "/cwd", env)
		if err != nil || got != c.want {
			t.Errorf("ResolveCD(%q, logical %v) = %+v, %v; want %+v", c.dir, c.logical, got, err, c.want)
		}
	}
	env.Pwd = "relative"
	if got, _ := ResolveCD("x", true, true, "/cwd", env); got.Path != "/cwd/x" {
		t.Errorf("a relative PWD is not a base: got %q, want /cwd/x", got.Path)
	}
	if _, err := ResolveCD("-", true, true, "/cwd", CDEnv{}); !errors.Is(err, ErrNoDir) {
		t.Errorf(`"-" with OLDPWD unset: %v, want ErrNoDir`, err)
	}
}
