package ere

import (
	"reflect"
	"testing"
)

func TestOptions(t *testing.T) {
	for _, c := range []struct {
		re   string
		o    Options
		s    string
		want bool
	}{
		{"^abc$", Options{ICase: true}, "AbC", true},
		{"[^a]", Options{ICase: true}, "A", false},
		{"[a-c]x", Options{ICase: true}, "BX", true},
		{"^a.b$", Options{}, "a\nb", false},
		{"^a.b$", Options{NoNewline: true}, "a\nb", true},
		{"^b$", Options{}, "a\nb", true},
		{"^b$", Options{NoNewline: true}, "a\nb", false},
		{"a+b", Options{Basic: true}, "a+b", true},
		{"a+b", Options{Basic: true}, "aab", false},
		{`a\+b`, Options{Basic: true}, "aab", true},
		{`a\{2\}`, Options{Basic: true}, "aa", true},
		{`a{2}`, Options{Basic: true}, "a{2}", true},
		{`\(ab\)*c`, Options{Basic: true}, "ababc", true},
		{`*a`, Options{Basic: true}, "*a", true},
		{`a^b$c`, Options{Basic: true}, "a^b$c", true},
		{`^[]a]*$`, Options{Basic: true}, "]a]", true},
		{`x\|y`, Options{Basic: true}, "y", true},
	} {
		re, err := CompileOptions(c.re, c.o)
		if err != nil {
			t.Errorf("CompileOptions(%q, %+v): %v", c.re, c.o, err)
			continue
		}
		if got := re.MatchString(c.s); got != c.want {
			t.Errorf("%q %+v on %q: %v, want %v", c.re, c.o, c.s, got, c.want)
		}
	}
}

func TestSubmatch(t *testing.T) {
	for _, c := range []struct {
		re   string
		s    string
		want []int
	}{
		{"a(b)(x)?(c)", "abc", []int{0, 3, 1, 2, -1, -1, 2, 3}},
		{"b+", "abbbc", []int{1, 4}},
		{"(a|ab)(c|bcd)", "abcd", []int{0, 4, 0, 1, 1, 4}},
		{"x*", "abc", []int{0, 0}},
		{"(a*)*", "b", []int{0, 0, -1, -1}}, // glibc: 0 0 0 0 (an empty iteration)
		{"^(.*)=(.*)$", "k=v", []int{0, 3, 0, 1, 2, 3}},
		{"z", "abc", nil},
		{"(b|bc)", "abcd", []int{1, 3, 1, 3}},
	} {
		re, err := CompileOptions(c.re, Options{})
		if err != nil {
			t.Fatalf("%q: %v", c.re, err)
		}
		if got := re.FindSubmatchIndex([]byte(c.s)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q on %q: %v, want %v", c.re, c.s, got, c.want)
		}
	}
	if n := MustCompile("(a(b))|(c)").NumSubexp(); n != 3 {
		t.Errorf("NumSubexp: %d, want 3", n)
	}
	if MustCompile("a").FindSubmatchIndex([]byte("a")) != nil {
		t.Error("FindSubmatchIndex without CompileOptions should be nil")
	}
}

func TestGlibcMessage(t *testing.T) {
	for re, want := range map[string]string{
		"b(":      `Unmatched ( or \(`,
		"[a":      "Unmatched [, [^, [:, [., or [=",
		"*a":      "Invalid preceding regular expression",
		"a{2,1}":  `Invalid content of \{\}`,
		`a\`:      "Trailing backslash",
		"[[:x:]]": "Invalid character class name",
	} {
		_, err := Compile(re)
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%q: %v", re, err)
			continue
		}
		if got := e.GlibcMessage(); got != want {
			t.Errorf("%q: %q, want %q", re, got, want)
		}
	}
}
