package compile

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
)

func TestForEachLowestError(t *testing.T) {
	for _, n := range []int{0, 1, 7, 200} {
		var ran atomic.Int64
		seen := make([]bool, n)
		err := forEach(n, func(i int) error {
			ran.Add(1)
			seen[i] = true
			if i%50 == 5 {
				return fmt.Errorf("e%d", i)
			}
			return nil
		})
		switch {
		case n > 5 && (err == nil || err.Error() != "e5"):
			t.Errorf("n=%d: err %v, want e5", n, err)
		case n <= 5 && err != nil:
			t.Errorf("n=%d: err %v", n, err)
		}
		for i := 0; i <= 5 && i < n; i++ {
			if !seen[i] {
				t.Errorf("n=%d: index %d before the failure not run", n, i)
			}
		}
	}
}

// Definitions are read in parallel, but warnings come out in name order
// and the error is the first one in name order.
func TestReadSourcesOrder(t *testing.T) {
	dir := t.TempDir()
	src := dir + "/src"
	files := map[string]string{}
	var want string
	for i := 0; i < 40; i++ {
		n := fmt.Sprintf("s%02d", i)
		files[n+"/type"] = "longrun\n"
		files[n+"/run"] = "x"
		files[n+"/notification-fd"] = "1\n"
		want += "t: warning: longrun " + n + " has a notification-fd of 1\n"
	}
	write(t, dir+"/src", files)
	var warn bytes.Buffer
	if _, err := readSources(&Options{Verbosity: 1, Warn: warnTo(&warn)}, []string{src}); err != nil {
		t.Fatal(err)
	}
	if warn.String() != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", warn.String(), want)
	}
	write(t, src, map[string]string{"s10/type": "junk\n", "s30/type": "junk\n"})
	warn.Reset()
	_, err := readSources(&Options{Verbosity: 1, Warn: warnTo(&warn)}, []string{src})
	if err == nil || err.Error() != "invalid "+src+"/s10/type: must be oneshot, longrun, or bundle" {
		t.Errorf("error %v", err)
	}
	if w := warn.String(); w != want[:len(want)/4] {
		t.Errorf("warnings before the error:\n%s", w)
	}
}

// warnTo formats warnings as the applets do, as "t: warning: MSG" lines.
func warnTo(w io.Writer) func(string, ...any) {
	return func(format string, a ...any) { fmt.Fprintf(w, "t: warning: "+format+"\n", a...) }
}
