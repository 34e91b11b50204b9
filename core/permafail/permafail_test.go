package permafail

import (
	"errors"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/core/tai64n"
)

func TestParseList(t *testing.T) {
	for _, c := range []struct {
		in    string
		codes []int
		sigs  []int
		err   error
	}{
		{"1,101-103,SIGSEGV,sigbus", []int{1, 101, 102, 103}, []int{11, 7}, nil},
		{"sig11 term;0", []int{0}, []int{11, 15}, nil},
		{"1,,", []int{1}, nil, nil},
		{"", nil, nil, nil},
		{"300", nil, nil, ErrExitCode},
		{"5-2", nil, nil, ErrInterval},
		{"1-", nil, nil, ErrIntSpec},
		{"1-256", nil, nil, ErrExitCode},
		{"SIGFOO", nil, nil, ErrSpec},
		{"sig99", nil, nil, ErrSpec},
		{"sig", nil, nil, ErrSpec},
	} {
		l, err := ParseList(c.in)
		if !errors.Is(err, c.err) {
			t.Errorf("%q: error %v, want %v", c.in, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		n := 0
		for code, on := range l.codes {
			if on {
				n++
				if !contains(c.codes, code) {
					t.Errorf("%q: code %d set", c.in, code)
				}
			}
		}
		for sig, on := range l.sigs {
			if on {
				n++
				if !contains(c.sigs, sig) {
					t.Errorf("%q: signal %d set", c.in, sig)
				}
			}
		}
		if n != len(c.codes)+len(c.sigs) {
			t.Errorf("%q: %d entries set, want %d", c.in, n, len(c.codes)+len(c.sigs))
		}
	}
}

func contains(l []int, x int) bool {
	for _, v := range l {
		if v == x {
			return true
		}
	}
	return false
}

func TestCheck(t *testing.T) {
	now := tai64n.Now()
	ago := func(s int) tai64n.Stamp { return tai64n.FromTime(now.Time().Add(-time.Duration(s) * time.Second)) }
	deaths := []status.Death{
		{Stamp: ago(100), Code: 1},
		{Stamp: ago(30), Code: 139, Sig: 11},
		{Stamp: ago(20), Code: 2},
		{Stamp: ago(5), Code: 1},
	}
	l, _ := ParseList("1,SIGSEGV")
	if tr, ok := Check(deaths, now, 60*time.Second, 2, l); !ok || tr.Death.Code != 1 || tr.Signal {
		t.Errorf("2 in 60s: %+v %v", tr, ok)
	}
	if _, ok := Check(deaths, now, 60*time.Second, 3, l); ok {
		t.Error("3 in 60s: the death 100s ago counted")
	}
	if tr, ok := Check(deaths, now, 60*time.Second, 1, l); !ok || !tr.Signal || tr.Death.Sig != 11 {
		t.Errorf("1 in 60s: %+v %v", tr, ok)
	}
	// 128+signal is also an exit code
	l, _ = ParseList("139")
	if _, ok := Check(deaths, now, 60*time.Second, 1, l); !ok {
		t.Error("139 did not match the SIGSEGV death")
	}
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{"1,101-103,SIGSEGV", "sig11", "5-2", ",;\t", "255-255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseList(s)
	})
}
