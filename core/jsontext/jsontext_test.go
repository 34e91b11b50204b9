package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
)

type entry struct {
	Name string `json:"name"`
	Up   bool   `json:"up"`
	N    []int  `json:"n"`
}

// The indented writer gives json.MarshalIndent's bytes (rc --json list).
func TestIndentMatchesMarshalIndent(t *testing.T) {
	for _, l := range [][]entry{{}, {{Name: "a<b", Up: true, N: []int{1, 2}}, {Name: "é\t", N: []int{}}}} {
		w := NewIndent("  ")
		w.BeginArray()
		for _, e := range l {
			w.BeginObject()
			w.StringMember("name", e.Name)
			w.BoolMember("up", e.Up)
			w.Key("n")
			w.Ints(e.N)
			w.EndObject()
		}
		w.EndArray()
		want, _ := json.MarshalIndent(l, "", "  ")
		if string(w.B) != string(want) {
			t.Errorf("got\n%s\nwant\n%s", w.B, want)
		}
	}
}

// Every string survives writing then parsing, and parsing agrees with
// encoding/json on escapes, surrogate pairs and invalid input.
func TestStringsRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s/", "\x00\x1f\x7f", "<&>", "\u2028\u2029", "日本", "\xff\xfe", "😀"} {
		w := &Writer{}
		w.String(s)
		v, err := Parse(w.B)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		var std string
		json.Unmarshal(w.B, &std)
		if v.Text != std {
			t.Errorf("%q: parsed %q, encoding/json %q", s, v.Text, std)
		}
	}
	for _, doc := range []string{`"\ud83d\ude00"`, `"\ud83dx"`, `"\ude00"`, `"\u00e9\n"`, `"\xff"`} {
		v, err := Parse([]byte(doc))
		var std string
		stdErr := json.Unmarshal([]byte(doc), &std)
		if (err == nil) != (stdErr == nil) || err == nil && v.Text != std {
			t.Errorf("%s: got %q %v, encoding/json %q %v", doc, v.Text, err, std, stdErr)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{"", "{", "[1,]", `{"a" 1}`, `{"a":1,}`, "01", "1.", "-", "1e", "tru", `"a`, "\"\x01\"", `"\x"`, "[1] 2", strings.Repeat("[", 2000)} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%q) accepted", doc)
		}
		var x any
		if json.Unmarshal([]byte(doc), &x) == nil {
			t.Errorf("encoding/json accepts %q: test is wrong", doc)
		}
	}
	v, err := Parse([]byte(` {"a": [true, false, null, -1.5e3, 7], "a": "last"} `))
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("a").Text != "last" || len(v.Members) != 2 || v.Members[0].Value.Elems[3].Text != "-1.5e3" {
		t.Errorf("parsed %+v", v)
	}
	if n, ok := v.Members[0].Value.Elems[4].Int(); !ok || n != 7 {
		t.Errorf("Int = %d %v", n, ok)
	}
}
