package getopt

import (
	"reflect"
	"testing"
)

func TestParseRealS6CommandLines(t *testing.T) {
	cases := []struct {
		args  []string
		spec  string
		opts  []Opt
		rest  []string
		isErr bool
	}{
		// s6-svc -wu -u DIR: -w takes a value, so "u" is its value and -u is a command.
		{[]string{"-wu", "-u", "sv"}, "abqhkti12pcyroduDUxOQw:T:", []Opt{{'w', "u"}, {'u', ""}}, []string{"sv"}, false},
		{[]string{"-wU", "-T5000", "-u", "sv"}, "uw:T:", []Opt{{'w', "U"}, {'T', "5000"}, {'u', ""}}, []string{"sv"}, false},
		{[]string{"-T", "5000", "sv"}, "uw:T:", []Opt{{'T', "5000"}}, []string{"sv"}, false},
		{[]string{"-bDa", "x"}, "bDa", []Opt{{'b', ""}, {'D', ""}, {'a', ""}}, []string{"x"}, false},
		{[]string{"-v2", "-t", "3", "prog"}, "v:t:", []Opt{{'v', "2"}, {'t', "3"}}, []string{"prog"}, false},
		{[]string{"--", "-u", "x"}, "u", nil, []string{"-u", "x"}, false},
		{[]string{"-o", "64", "prog", "-o", "1"}, "o:", []Opt{{'o', "64"}}, []string{"prog", "-o", "1"}, false},
		{[]string{"-", "x"}, "u", nil, []string{"-", "x"}, false},
		{[]string{"-z"}, "u", nil, nil, true},
		{[]string{"-T"}, "T:", nil, nil, true},
		{[]string{"-uwNrpest", "sv"}, "uwNrpesto:n", []Opt{{'u', ""}, {'w', ""}, {'N', ""}, {'r', ""}, {'p', ""}, {'e', ""}, {'s', ""}, {'t', ""}}, []string{"sv"}, false},
	}
	for _, c := range cases {
		opts, rest, err := Parse(c.args, c.spec)
		if (err != nil) != c.isErr {
			t.Fatalf("%v: err=%v", c.args, err)
		}
		if c.isErr {
			continue
		}
		if !reflect.DeepEqual(opts, c.opts) || !reflect.DeepEqual(rest, c.rest) && len(rest)+len(c.rest) > 0 {
			t.Errorf("%v: got %v %v want %v %v", c.args, opts, rest, c.opts, c.rest)
		}
	}
}

func TestNormalize(t *testing.T) {
	got, err := Normalize([]string{"-bDa", "-v2", "x", "-y"}, "bDav:")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-b", "-D", "-a", "-v", "2", "--", "x", "-y"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("-wu\x00-T5000\x00sv", "uw:T:")
	f.Fuzz(func(t *testing.T, joined, spec string) {
		var args []string
		start := 0
		for i := 0; i <= len(joined); i++ {
			if i == len(joined) || joined[i] == 0 {
				args = append(args, joined[start:i])
				start = i + 1
			}
		}
		Parse(args, spec)
	})
}
