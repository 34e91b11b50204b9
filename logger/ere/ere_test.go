package ere

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTable checks patterns whose answer POSIX (and glibc) define, against
// lines that match and lines that do not.
func TestTable(t *testing.T) {
	for _, c := range []struct {
		re      string
		yes, no []string
	}{
		{"", []string{"", "x"}, nil},
		{"abc", []string{"abc", "xabcx"}, []string{"ab", "acb", ""}},
		{"^abc$", []string{"abc"}, []string{"abcd", "xabc"}},
		{"a.c", []string{"abc", "a c", "a\x00c"}, []string{"ac"}},
		{"a|b|", []string{"", "zzz"}, nil},
		{"(a|bc)+d", []string{"ad", "bcad", "xbcbcd"}, []string{"d", "bd"}},
		{"x(ab)*y", []string{"xy", "xaby", "xababy"}, []string{"xay", "xaby_"[:3]}},
		{"ab?c", []string{"ac", "abc"}, []string{"abbc"}},
		{"a{3}", []string{"aaa"}, []string{"aa"}},
		{"^a{2,3}$", []string{"aa", "aaa"}, []string{"a", "aaaa"}},
		{"^a{2,}$", []string{"aa", "aaaaaa"}, []string{"a"}},
		{"^a{0}b$", []string{"b"}, []string{"ab"}},
		{"^(a|b){0,1}c$", []string{"c", "ac"}, []string{"abc"}},
		{"[abc]", []string{"b"}, []string{"d"}},
		{"^[^abc]$", []string{"d"}, []string{"a", "\n", ""}},
		{"^[]a]$", []string{"]", "a"}, []string{"b"}},
		{"^[^]a]$", []string{"b"}, []string{"]", "a"}},
		{"^[a-]$", []string{"a", "-"}, []string{"b"}},
		{"^[-a]$", []string{"a", "-"}, []string{"b"}},
		{"^[a-c-]+$", []string{"abc-"}, []string{"d"}},
		{"^[0-9]+$", []string{"0123"}, []string{"12a"}},
		{"^[[:digit:][:upper:]]+$", []string{"A1Z9"}, []string{"a1"}},
		{"^[[:alpha:]_][[:alnum:]_]*$", []string{"_x1", "Abc"}, []string{"1x"}},
		{"[[:space:]]", []string{"a b", "a\tb", "\r"}, []string{"ab"}},
		{"^[[:punct:]]+$", []string{"!-/@[`{~"}, []string{"a!"}},
		{"^[[:xdigit:]]+$", []string{"09afAF"}, []string{"g"}},
		{"^[[:blank:]]$", []string{" ", "\t"}, []string{"\n", "a"}},
		{"^[[:cntrl:]]$", []string{"\x01", "\x7f"}, []string{" "}},
		{"^[[:print:]]+$", []string{"a b~"}, []string{"\x01"}},
		{"^[[:graph:]]+$", []string{"a~"}, []string{"a b"}},
		{"^[[:lower:]]+$", []string{"abc"}, []string{"aBc"}},
		{"^[[.a.]-[.c.]]+$", []string{"abc"}, []string{"d"}},
		{"^[[=x=]]$", []string{"x"}, []string{"y"}},
		{"^[[.-.]a]+$", []string{"-a"}, []string{"b"}},
		{"a^b", nil, []string{"a^b", "ab"}},
		{"(^a|b)c", []string{"ac", "xbc"}, []string{"xac"}},
		{"a$|b", []string{"xa", "b"}, []string{"ax"}},
		{`\.`, []string{"a.b"}, []string{"ab"}},
		{`a\|b`, []string{"a|b"}, []string{"a", "b"}},
		{`\d`, []string{"d"}, []string{"1"}}, // glibc: \d is d
		{`\w+`, []string{"a_1"}, []string{"!!"}},
		{`^\W+$`, []string{"!-"}, []string{"a"}},
		{`\s`, []string{"a b"}, []string{"ab"}},
		{`^\S+$`, []string{"ab"}, []string{"a b"}},
		{`\bfoo\b`, []string{"a foo b", "foo"}, []string{"afoo", "foob"}},
		{`\Boo`, []string{"foo"}, []string{"oo"}},
		{`\<foo`, []string{"x foo"}, []string{"xfoo"}},
		{`foo\>`, []string{"foo x"}, []string{"foox"}},
		{"\\`a", []string{"ab"}, []string{"ba"}},
		{`a\'`, []string{"ba"}, []string{"ab"}},
		{"(a*)*b", []string{"b", "aab"}, []string{"aaa"}},
		{"(|a)+b", []string{"b", "ab"}, []string{"a"}},
		{"()", []string{""}, nil},
		{"a**", []string{"", "aa"}, nil},
		{"fatal|error", []string{"s6-svc: fatal: x", "an error"}, []string{"warning"}},
	} {
		re, err := Compile(c.re)
		if err != nil {
			t.Errorf("Compile(%q): %v", c.re, err)
			continue
		}
		for _, s := range c.yes {
			if !re.MatchString(s) {
				t.Errorf("%q does not match %q", c.re, s)
			}
		}
		for _, s := range c.no {
			if re.MatchString(s) {
				t.Errorf("%q matches %q", c.re, s)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ re, msg string }{
		{"(", "unmatched ("},
		{"(a|b", "unmatched ("},
		{")", "unmatched )"},
		{"a)", "unmatched )"},
		{"[a", "unmatched ["},
		{"[]", "unmatched ["},
		{"[^]", "unmatched ["},
		{"[[:foo:]]", "invalid character class"},
		{"[[:alpha:]", "unmatched ["},
		{"[[.ab.]]", "invalid collation character"},
		{"[z-a]", "invalid range end"},
		{"*a", "nothing to repeat"},
		{"a|*", "nothing to repeat"},
		{"(+)", "nothing to repeat"},
		{"a{1", "unmatched {"},
		{"a{x}", "invalid content of {}"},
		{"a{2,1}", "invalid content of {}"},
		{"a{40000}", "interval bound above 32767"},
		{`a\`, "trailing backslash"},
		{`(a)\1`, "back-references are not supported"},
		{"(((a{100}){100}){100})", "too big"},
	} {
		_, err := Compile(c.re)
		if err == nil {
			t.Errorf("Compile(%q) succeeded", c.re)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), strconv.Quote(c.re)) {
			t.Errorf("Compile(%q): %v, want %q and the expression", c.re, err, c.msg)
		}
	}
}

// TestAgainstGoPOSIX compares with Go's regexp in POSIX mode on random
// patterns of the syntax both read alike, over lines without newlines.
func TestAgainstGoPOSIX(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"a", "b", "c", ".", "[ab]", "[^a]", "[a-c]", "^", "$", `\.`, "x"}
	var gen func(depth int) string
	gen = func(depth int) string {
		var sb strings.Builder
		for n := 1 + rng.IntN(4); n > 0; n-- {
			if depth < 3 && rng.IntN(4) == 0 {
				sb.WriteString("(" + gen(depth+1))
				if rng.IntN(3) == 0 {
					sb.WriteString("|" + gen(depth+1))
				}
				sb.WriteString(")")
			} else {
				sb.WriteString(atoms[rng.IntN(len(atoms))])
			}
			switch rng.IntN(7) {
			case 0:
				sb.WriteString("*")
			case 1:
				sb.WriteString("+")
			case 2:
				sb.WriteString("?")
			case 3:
				sb.WriteString("{1,2}")
			}
		}
		if rng.IntN(5) == 0 {
			sb.WriteString("|" + gen(depth+1))
		}
		return sb.String()
	}
	checked := 0
	for i := 0; i < 3000; i++ {
		pat := gen(0)
		want, err := regexp.CompilePOSIX(pat)
		if err != nil {
			continue
		}
		got, err := Compile(pat)
		if err != nil {
			t.Fatalf("Compile(%q): %v (Go accepts it)", pat, err)
		}
		for j := 0; j < 20; j++ {
			b := make([]byte, rng.IntN(8))
			for k := range b {
				b[k] = "abcx."[rng.IntN(5)]
			}
			if g, w := got.Match(b), want.Match(b); g != w {
				t.Fatalf("%q on %q: %v, Go says %v", pat, b, g, w)
			}
			checked++
		}
	}
	if checked < 20000 {
		t.Fatalf("only %d comparisons", checked)
	}
}

// TestLinear checks a pattern that is exponential for a backtracker.
func TestLinear(t *testing.T) {
	re := MustCompile("(a*)*(a|b)*c")
	line := []byte(strings.Repeat("a", 20000))
	start := time.Now()
	if re.Match(line) {
		t.Fatal("matched a line without c")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"a|b", "[[:alpha:]]+", "x{1,3}", `\bfoo\>`, "[]a-]", "(a*)*"} {
		f.Add(s, "some line foo")
	}
	f.Fuzz(func(t *testing.T, pat, line string) {
		re, err := Compile(pat)
		if err != nil {
			return
		}
		re.MatchString(line)
	})
}
