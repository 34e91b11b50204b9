package ere

import "testing"

func TestMatchEnd(t *testing.T) {
	for _, c := range []struct {
		re, in  string
		notEnds bool
		end     int
		ok      bool
	}{
		{"b", "xab", true, 3, true},
		{"ab*", "xabbbc", true, 5, true},
		{"a|ab", "ab", true, 2, true},
		{"^ab", "ab", true, 0, false},
		{"^ab", "ab", false, 2, true},
		{"^a$", "a", true, 0, false},
		{"a.c", "abc", true, 3, true},
		{"[du]", "sxud", true, 3, true},
		{"x", "abc", true, 0, false},
	} {
		end, ok := MustCompile(c.re).MatchEnd([]byte(c.in), c.notEnds)
		if end != c.end || ok != c.ok {
			t.Errorf("%q on %q (notEnds %v): %d %v, want %d %v", c.re, c.in, c.notEnds, end, ok, c.end, c.ok)
		}
	}
}
