package sudo

import (
	"errors"
	"reflect"
	"syscall"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	r := Request{Args: []string{"a", "", "b c"}, Env: []string{"X=1", "EMPTY="}}
	got, err := Parse(Encode(r))
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("%+v %v", got, err)
	}
	none, err := Parse(Encode(Request{}))
	if err != nil || len(none.Args) != 0 || len(none.Env) != 0 {
		t.Errorf("empty request: %+v %v", none, err)
	}
}

func TestMalformed(t *testing.T) {
	good := Encode(Request{Args: []string{"x"}, Env: []string{"A=b"}})
	cases := map[string][]byte{
		"short":   good[:10],
		"banner":  append([]byte("s6-sudo x v1.0\n"), good[len(BannerA):]...),
		"lengths": good[:len(good)-1],
		"noequal": Encode(Request{Env: []string{"NOEQUAL"}}),
		"count":   func() []byte { b := append([]byte(nil), good...); b[len(BannerA)+3] = 5; return b }(),
		"toomany": func() []byte { b := append([]byte(nil), good...); b[len(BannerA)] = 0xff; return b }(),
	}
	for name, data := range cases {
		if _, err := Parse(data); !errors.Is(err, ErrRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	server := []string{"PATH=/bin", "ALLOWED=", "OTHER=set"}
	client := []string{"PATH=/evil", "ALLOWED=yes", "OTHER=no", "NEW=x"}
	got := MergeEnv(server, client)
	want := []string{"PATH=/bin", "ALLOWED=yes", "OTHER=set"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestExitCode(t *testing.T) {
	for ws, want := range map[syscall.WaitStatus]int{0: 0, 3 << 8: 3, 200 << 8: 128, 9: 137} {
		if got := ExitCode(ws); got != want {
			t.Errorf("%#x: %d, want %d", ws, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Encode(Request{Args: []string{"x"}, Env: []string{"A=b"}}))
	f.Add([]byte(BannerA))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(Encode(r))
		if err != nil || !reflect.DeepEqual(again, r) && !(len(r.Args) == 0 && len(r.Env) == 0) {
			t.Fatalf("re-encoding changed %+v into %+v (%v)", r, again, err)
		}
	})
}
