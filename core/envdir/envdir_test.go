package envdir

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func mk(t *testing.T, files map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(d, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func asMap(cs []Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		if c.Unset {
			m[c.Name] = "<unset>"
		} else {
			m[c.Name] = c.Value
		}
	}
	return m
}

func TestValues(t *testing.T) {
	files := map[string]string{
		"A":      "  lead kept \t\r\nsecond line\n",
		"EMPTY":  "",
		"NL":     "\n",
		"NUL":    "x\x00y\n",
		"WS":     " \t \n",
		"=bad":   "skip",
		"a=b":    "skip",
		".dot":   "skip",
		"NOEOL":  "word",
		"CRLF":   "v\r\n",
		"MULTI":  "l1\nl2\n\n",
		"MULTI2": "l1 \nl2 \n",
	}
	d := mk(t, files)
	cases := []struct {
		o    Options
		want map[string]string
	}{
		{Options{}, map[string]string{"A": "  lead kept", "EMPTY": "<unset>", "NL": "", "NUL": "x\ny", "WS": "", "NOEOL": "word", "CRLF": "v", "MULTI": "l1", "MULTI2": "l1"}},
		{Options{NoChomp: true}, map[string]string{"A": "  lead kept \t\r", "EMPTY": "<unset>", "NL": "", "NUL": "x\ny", "WS": " \t ", "NOEOL": "word", "CRLF": "v\r", "MULTI": "l1", "MULTI2": "l1 "}},
		{Options{WholeFile: true, NulIs: '_'}, map[string]string{"A": "  lead kept \t\r\nsecond line", "EMPTY": "<unset>", "NL": "", "NUL": "x_y", "WS": " \t ", "NOEOL": "word", "CRLF": "v\r", "MULTI": "l1\nl2\n", "MULTI2": "l1 \nl2 "}},
		{Options{WholeFile: true, NoChomp: true}, map[string]string{"A": "  lead kept \t\r\nsecond line\n", "EMPTY": "<unset>", "NL": "\n", "NUL": "x\ny\n", "WS": " \t \n", "NOEOL": "word", "CRLF": "v\r\n", "MULTI": "l1\nl2\n\n", "MULTI2": "l1 \nl2 \n"}},
	}
	for i, c := range cases {
		cs, err := Read(d, c.o)
		if err != nil {
			t.Fatal(err)
		}
		got := asMap(cs)
		if len(got) != len(c.want) {
			var k []string
			for n := range got {
				k = append(k, n)
			}
			sort.Strings(k)
			t.Errorf("case %d: names %v", i, k)
		}
		for n, w := range c.want {
			if got[n] != w {
				t.Errorf("case %d: %s = %q, want %q", i, n, got[n], w)
			}
		}
	}
}

func TestLimit(t *testing.T) {
	big := make([]byte, 10000)
	for i := range big {
		big[i] = 'a'
	}
	d := mk(t, map[string]string{"BIG": string(big)})
	cs, err := Read(d, Options{})
	if err != nil || len(cs[0].Value) != MaxRead {
		t.Fatalf("limited: %d %v", len(cs[0].Value), err)
	}
	cs, err = Read(d, Options{NoLimit: true})
	if err != nil || len(cs[0].Value) != len(big) {
		t.Fatalf("-L: %d %v", len(cs[0].Value), err)
	}
}

func TestErrors(t *testing.T) {
	d := mk(t, map[string]string{"A": "a"})
	os.Mkdir(filepath.Join(d, "SUB"), 0o755)
	if _, err := Read(d, Options{}); err == nil {
		t.Fatal("a subdirectory entry must be an error")
	}
	if _, err := Read(filepath.Join(d, "missing"), Options{}); !os.IsNotExist(err) && err == nil {
		t.Fatal("missing dir must fail")
	}
}

func FuzzValue(f *testing.F) {
	f.Add([]byte("a \t\r\nb\x00"), true, false)
	f.Fuzz(func(t *testing.T, data []byte, whole, nochomp bool) {
		if len(data) == 0 {
			return
		}
		v := value(data, Options{WholeFile: whole, NoChomp: nochomp, NulIs: '\n'})
		if len(v) > len(data) {
			t.Fatalf("value longer than the file: %q → %q", data, v)
		}
		if !whole && !nochomp && len(v) > 0 && strings.ContainsRune(" \t\r", rune(v[len(v)-1])) {
			t.Fatalf("trailing blank kept: %q", v)
		}
	})
}
