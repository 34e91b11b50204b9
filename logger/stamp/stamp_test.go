package stamp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"s6box/core/tai64n"
)

func TestPrependAndLocalize(t *testing.T) {
	at := time.Unix(1800000000, 5)
	var out bytes.Buffer
	if err := Prepend(strings.NewReader("a\n\nlast"), &out, func() time.Time { return at }); err != nil {
		t.Fatal(err)
	}
	label := tai64n.FromTime(at).String()
	want := label + " a\n" + label + " \n" + label + " last"
	if out.String() != want {
		t.Fatalf("%q", out.String())
	}
	var loc bytes.Buffer
	if err := Localize(strings.NewReader(out.String()+"\n@zz not a label\n"), &loc); err != nil {
		t.Fatal(err)
	}
	ts := at.Local().Format("2006-01-02 15:04:05") + ".000000005"
	if want := ts + " a\n" + ts + " \n" + ts + " last\n@zz not a label\n"; loc.String() != want {
		t.Fatalf("%q\nwant %q", loc.String(), want)
	}
}

// FuzzLocalize: tai64nlocal's filter on any input keeps every line (same
// number of newlines), and copies input without a label unchanged.
func FuzzLocalize(f *testing.F) {
	f.Add([]byte("@400000006b03fdb6036d6b5b hello\n@4000 short\nplain\n"))
	f.Add([]byte("@400000006b03fdb6036d6b5b"))
	f.Add([]byte("no label\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		if err := Localize(bytes.NewReader(in), &out); err != nil {
			t.Fatal(err)
		}
		if bytes.Count(out.Bytes(), []byte("\n")) != bytes.Count(in, []byte("\n")) {
			t.Fatalf("%q → %q: lines differ", in, out.Bytes())
		}
		if bytes.IndexByte(in, '@') < 0 && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("%q → %q: changed without a label", in, out.Bytes())
		}
	})
}
