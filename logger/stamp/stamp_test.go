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
