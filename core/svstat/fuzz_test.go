package svstat

import (
	"strings"
	"testing"

	"s6box/core/status"
	"s6box/core/tai64n"
)

// FuzzParseFields: any -o argument either fails with a FieldError or yields
// at most MaxFields fields, each of which renders.
func FuzzParseFields(f *testing.F) {
	for _, s := range []string{"up,wantedup,pid", "u,re,pi,updown", ",", "up,,", "readyfor,signum"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		fields, err := ParseFields(arg, nil)
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("%q: unexpected error type %T", arg, err)
			}
			return
		}
		if len(fields) > MaxFields {
			t.Fatalf("%q: %d fields", arg, len(fields))
		}
		out := Fields(Info{Now: tai64n.Now()}, fields)
		if len(fields) > 0 && strings.Count(out, " ") != len(fields)-1 {
			t.Fatalf("%q: %q", arg, out)
		}
	})
}

// FuzzStatusRender: any 35+ bytes decode and render in every format.
func FuzzStatusRender(f *testing.F) {
	f.Add(make([]byte, 35))
	f.Add([]byte("\x40\x00\x00\x00\x6b\x03\xfd\xb6\x03\x6d\x6b\x5b\x40\x00\x00\x00\x6b\x03\xfd\xb6\x03\xc4\x94\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f\x08"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := status.Decode(b)
		if err != nil {
			return
		}
		in := Info{Status: st, Now: tai64n.Now()}
		h := Human(in, false)
		if !strings.HasPrefix(h, "up (pid ") && !strings.HasPrefix(h, "down (") {
			t.Fatalf("bad line %q", h)
		}
		all := make([]Field, 0, numFields)
		for fl := Field(0); fl < numFields; fl++ {
			all = append(all, fl)
		}
		Fields(in, all)
		if _, err := NewRecord("x", in, 1).JSON(); err != nil {
			t.Fatal(err)
		}
	})
}
