package svstat

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// FuzzStatusRender: any 35+ bytes decode and render in every format, the
// JSON is valid and its times are RFC 3339 or null.
func FuzzStatusRender(f *testing.F) {
	f.Add(make([]byte, 35))
	f.Add([]byte("\x40\x00\x00\x00\x6b\x03\xfd\xb6\x03\x6d\x6b\x5b\x40\x00\x00\x00\x6b\x03\xfd\xb6\x03\xc4\x94\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f\x08"))
	garbage := []byte(strings.Repeat("\xff", 34) + "\x08") // ready, stamps past year 9999
	f.Add(garbage)
	f.Add(append(make([]byte, 35), status.Backoff{Next: tai64n.Now(), Delay: 5e9}.Encode()...))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := status.Decode(b)
		if err != nil {
			return
		}
		in := Info{Status: st, Now: tai64n.Now()}
		if len(b) >= status.Size+status.BackoffSize {
			// the bytes after the status as a supervise/backoff
			bo, err := status.DecodeBackoff(b[status.Size : status.Size+status.BackoffSize])
			if err != nil {
				t.Fatal(err)
			}
			in.Backoff = &bo
		}
		h := Human(in, false)
		if !strings.HasPrefix(h, "up (pid ") && !strings.HasPrefix(h, "down (") {
			t.Fatalf("bad line %q", h)
		}
		all := make([]Field, 0, numFields)
		for fl := Field(0); fl < numFields; fl++ {
			all = append(all, fl)
		}
		Fields(in, all)
		js, err := NewRecord("x", in, 1).JSON()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		for _, k := range []string{"since", "ready_since", "next_start"} {
			if v, ok := m[k].(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
					t.Fatalf("%s is not RFC 3339: %v", k, err)
				}
			} else if m[k] != nil {
				t.Fatalf("%s: %#v", k, m[k])
			}
		}
	})
}
