package tai64n

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	now := time.Unix(1800000000, 123456789)
	s := FromTime(now)
	if s.Sec != 0x4000000000000000+1800000000+37 {
		t.Fatalf("label %x", s.Sec)
	}
	txt := s.String()
	if len(txt) != TextSize {
		t.Fatalf("text %q", txt)
	}
	back, err := Parse(txt)
	if err != nil || back != s || !back.Time().Equal(now) {
		t.Fatalf("parse %q: %v %v", txt, back, err)
	}
	if string(s.AppendText(nil)) != txt {
		t.Fatal("AppendText differs from String")
	}
	// The stamp of a status file written by s6-supervise 2.11.
	st, err := Parse("@400000006b03fdb6036d6b5b")
	if err != nil || st.Sec != 0x400000006b03fdb6 || st.Nano != 0x036d6b5b {
		t.Fatalf("%v %v", st, err)
	}
	for _, bad := range []string{"", "@", "400000006b03fdb6036d6b5b0", "@40000000zb03fdb6036d6b5b"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
