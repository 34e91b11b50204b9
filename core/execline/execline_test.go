package execline

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  error
	}{
		{"a b  c\n", []string{"a", "b", "c"}, nil},
		{"# c\na # b\nc#d\n", []string{"a", "c#d"}, nil},
		{`"a b" "" x"y"z`, []string{"a b", "", "xyz"}, nil},
		{`"\t\n\65\0101\0x41"`, []string{"\t\nAAA"}, nil},
		{"a { b { c } } d", []string{"a", " b", "  c", " ", "", "d"}, nil},
		{"{b}", []string{"{b}"}, nil},
		{`"x`, nil, ErrSyntax},
		{`"\0"`, nil, ErrSyntax},
		{"{ a", nil, ErrUnmatchedOpen},
		{"a }", nil, ErrUnmatchedClose},
		{"a\x00b", []string{"a"}, nil},
	}
	for _, c := range cases {
		got, err := Parse([]byte(c.in))
		if !errors.Is(err, c.err) || (c.err == nil && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestBlock(t *testing.T) {
	argv := []string{" a", " b", "", "c"}
	n, ok, err := Block(argv, 0, 1, nil)
	if n != 2 || !ok || err != nil || argv[0] != "a" || argv[1] != "b" {
		t.Fatalf("Block = %d %v %v %q", n, ok, err, argv)
	}
	if _, ok, _ := Block([]string{" a"}, 0, 1, nil); ok {
		t.Fatal("unterminated block reported terminated")
	}
	var ue *UnquotedError
	if _, _, err := Block([]string{"a", ""}, 2, 1, nil); !errors.As(err, &ue) {
		t.Fatalf("strict 2: %v", err)
	}
}

func TestSubstitute(t *testing.T) {
	subs := []Subst{{"A", []string{"x"}}, {"L", []string{"1", "2"}}, {"E", nil}}
	cases := []struct {
		in   string
		want []string
	}{
		{"$A", []string{"x"}},
		{"${A}y", []string{"xy"}},
		{"$Ay", []string{"$Ay"}},
		{`\$A`, []string{"$A"}},
		{`\\$A`, []string{`\x`}},
		{`\\\${A}`, []string{`\${A}`}},
		{"a$L", []string{"a1", "a2"}},
		{"$L$L", []string{"11", "12", "21", "22"}},
		{"a${E}b", nil},
		{`\q$B`, []string{`\q$B`}},
	}
	for _, c := range cases {
		got := Substitute([]string{c.in}, subs)
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Substitute(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTransform(t *testing.T) {
	cases := []struct {
		t    Transform
		in   string
		want []string
	}{
		{NewTransform(), "a b\n", []string{"a b\n"}},
		{Transform{Delim: DefaultDelim, Chomp: true}, "a b\n", []string{"a b"}},
		{Transform{Delim: " ", Split: true}, "a  b", []string{"a", "", "b"}},
		{Transform{Delim: " ", Split: true, Crunch: true}, "a  b", []string{"a", "b"}},
		{Transform{Delim: " ", Split: true, Chomp: true}, "a b c", []string{"a", "b"}},
		{Transform{Delim: " ", Split: true, Chomp: true}, "a b c ", []string{"a", "b", "c"}},
		{Transform{Split: true}, "1:a,2:bc,", []string{"a", "bc"}},
	}
	for _, c := range cases {
		got, err := c.t.Apply(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v.Apply(%q) = %q, %v; want %q", c.t, c.in, got, err, c.want)
		}
	}
	if _, err := (Transform{Split: true}).Apply("3:ab,"); !errors.Is(err, ErrNetstring) {
		t.Errorf("bad netstring: %v", err)
	}
}

func TestPushPopEnv(t *testing.T) {
	env := []string{"1=a", "1:1=b", "#=2", "PATH=/bin"}
	pushed, err := PushEnv(env)
	want := []string{"1:1=a", "1:2=b", "#:1=2", "PATH=/bin"}
	if err != nil || !reflect.DeepEqual(pushed, want) {
		t.Fatalf("PushEnv = %q, %v", pushed, err)
	}
	popped, err := PopEnv(pushed, true, false)
	if err != nil || !reflect.DeepEqual(popped, env) {
		t.Fatalf("PopEnv = %q, %v", popped, err)
	}
}

func TestEnvfile(t *testing.T) {
	got, err := ParseEnvfile([]byte("# c\nA = one \nB=\"q\\tx\"\n  C=x\\\n y\nD=\n"))
	want := []string{"A=one", "B=q\tx", "C=x y", "D="}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseEnvfile = %q, %v", got, err)
	}
	var se *EnvfileSyntaxError
	if _, err := ParseEnvfile([]byte("A=1\nB C\n")); !errors.As(err, &se) || se.Line != 2 {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"*.txt", "a.txt", true}, {"*.txt", ".h.txt", false}, {".*", ".h", true},
		{"[a-c]x", "bx", true}, {"[!a-c]x", "bx", false}, {`\*`, "*", true}, {"a?c", "abc", true},
	}
	for _, c := range cases {
		if Match(c.p, c.s, false) != c.want {
			t.Errorf("Match(%q, %q) != %v", c.p, c.s, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("a { b \"c\\0x41\" } # d\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		words, err := Parse(b)
		if err == nil {
			Substitute(words, []Subst{{"a", []string{"1", "2"}}})
		}
	})
}
