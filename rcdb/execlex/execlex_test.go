package execlex

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"#!/bin/sh\necho \"demo-oneshot-1 is up\"\n", []string{"echo", "demo-oneshot-1 is up"}},
		{"a b\tc\n", []string{"a", "b", "c"}},
		{"a#b c", []string{"a#b", "c"}},
		{"a # comment\nb", []string{"a", "b"}},
		{`a\ b`, []string{"a b"}},
		{"a \\\n b", []string{"a", "b"}},
		{`"x"y"z"`, []string{"xyz"}},
		{`"a\nb\t\\\""`, []string{"a\nb\t\\\""}},
		{`"\65\0101\0x43"`, []string{"AAC"}},
		{"\"a\\\nb\"", []string{"ab"}},
		{"foreground { echo hi } echo done", []string{"foreground", " echo", " hi", "", "echo", "done"}},
		{"if { a { b } } c", []string{"if", " a", "  b", " ", "", "c"}},
		{`"{" "}"`, []string{"{", "}"}},
		{"", nil},
		{`""`, []string{""}},
	}
	for _, c := range cases {
		got, err := Split([]byte(c.in))
		if err != nil {
			t.Errorf("Split(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	cases := map[string]string{
		"a { b":    "unmatched {",
		"a } b":    "unmatched }",
		`"abc`:     "unterminated",
		`"\0"`:     "invalid numeric escape",
		`"\300"`:   "invalid numeric escape",
		"a \\":     "backslash at end",
		"{ { } ":   "unmatched {",
		"} {":      "unmatched }",
		`"\0x"`:    "invalid numeric escape",
		`"\0xzz"`:  "invalid numeric escape",
		"x\"y\\\"": "unterminated",
	}
	for in, want := range cases {
		_, err := Split([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Split(%q) error = %v, want %q", in, err, want)
		}
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a b", `"x\n"`, "{ a { b } }", "#c\nd", `\`, `"\0x41"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		words, err := Split(b)
		if err != nil {
			return
		}
		// Re-lexing the words, each quoted, must give them back unchanged
		// when they contain no block markers.
		var sb strings.Builder
		for _, w := range words {
			if strings.HasPrefix(w, " ") || w == "" {
				return
			}
			sb.WriteByte('"')
			for i := 0; i < len(w); i++ {
				c := w[i]
				if c == '"' || c == '\\' {
					sb.WriteByte('\\')
				}
				if c == 0 {
					return
				}
				sb.WriteByte(c)
			}
			sb.WriteString("\" ")
		}
		again, err := Split([]byte(sb.String()))
		if err != nil {
			t.Fatalf("re-lex of %q failed: %v", sb.String(), err)
		}
		if !reflect.DeepEqual(again, words) {
			t.Fatalf("re-lex of %q = %q, want %q", sb.String(), again, words)
		}
	})
}
