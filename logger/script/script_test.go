package script

import (
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	// Messages as printed by Debian's s6-log 2.11.3.2 (checked by hand and
	// by test/log's compatibility test).
	cases := map[string]string{
		"x":           "unrecognized directive: x",
		"":            "unrecognized directive: ",
		"1x":          "syntax error at directive: 1x",
		"2x":          "syntax error at directive: 2x",
		"t1":          "syntax error at directive: t1",
		"Tx":          "syntax error at directive: Tx",
		"fx":          "syntax error at directive: fx",
		"=":           "syntax error at directive: =",
		"s":           "unrecognized directive: s",
		"n-1":         "unrecognized directive: n-1",
		"E5x":         "unrecognized directive: E5x",
		"+[":          "unrecognized directive: +[",
		"N":           "unrecognized directive: N",
		"e":           "unrecognized directive: e",
		"t":           "no action directive specified",
		"l3000 s4096": "directive l3000 conflicts with previous s directive",
	}
	for in, want := range cases {
		words := strings.Fields(in)
		if in == "" {
			words = []string{""}
		}
		if in == "l3000 s4096" {
			words = []string{"s4096", "l3000"}
			want = "directive l3000 conflicts with previous s directive"
		}
		_, err := Parse(append(words, "1")[:len(words)+boolInt(in != "t")])
		if err == nil || err.Error() != want {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestParseScript(t *testing.T) {
	sc, err := Parse([]string{"-b", "n20", "s1000000", "t", "/var/log/x", "+err", "-debug", "pPFX", "E10", "2", "T", "1", "f", "^20", "=st", "s1", "l2000", "?gzip", "./y", "+tail"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Elements) != 3 || len(sc.Logdirs) != 2 || len(sc.Warnings) != 1 || !sc.Clock || !sc.Selectors || !sc.Stdout {
		t.Fatalf("%+v", sc)
	}
	e0 := sc.Elements[0]
	if len(e0.Selectors) != 1 || e0.Selectors[0].Kind != SelMinus || len(e0.Actions) != 1 || !e0.Actions[0].TAI {
		t.Fatalf("element 0: %+v", e0)
	}
	x := sc.Logdirs[0]
	if x.Dir != "/var/log/x" || x.Archives != 20 || x.MaxSize != 1000000 || x.Tolerance != DefaultTolerance || x.Cooldown != 2*time.Second || x.Processor != nil {
		t.Fatalf("logdir x: %+v", x)
	}
	e1 := sc.Elements[1]
	if len(e1.Selectors) != 2 || len(e1.Actions) != 2 {
		t.Fatalf("element 1: %+v", e1)
	}
	alert, out := e1.Actions[0], e1.Actions[1]
	if alert.Kind != ActAlert || alert.AlertMax != 10 || alert.Prefix != "PFX" || alert.TAI || alert.ISO {
		t.Fatalf("alert: %+v", alert)
	}
	if out.Kind != ActStdout || !out.ISO || out.TAI || out.Prefix != "PFX" {
		t.Fatalf("stdout: %+v (t and T are not sticky, p is)", out)
	}
	e2 := sc.Elements[2]
	if e2.Selectors[0].Kind != SelDefault || e2.Actions[0].Kind != ActStatus || e2.Actions[0].Pad != 20 || e2.Actions[0].File != "st" {
		t.Fatalf("element 2: %+v", e2)
	}
	y := sc.Logdirs[1]
	if y.Dir != "./y" || y.MaxSize != MinMaxSize || y.Processor == nil || y.Processor.Execline || y.Processor.Cmd != "gzip" {
		t.Fatalf("logdir y: %+v", y)
	}
}

func TestSelectorsMatchPOSIX(t *testing.T) {
	sc, err := Parse([]string{"+^[[:digit:]]+ (a|b)$", "1"})
	if err != nil {
		t.Fatal(err)
	}
	re := sc.Elements[0].Selectors[0].Re
	for in, want := range map[string]bool{"12 a": true, "12 b": true, "x12 a": false, "12 c": false} {
		if re.MatchString(in) != want {
			t.Errorf("%q: match = %v", in, !want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"t s1000000 n20 /var/log/x", "+a -b f 1 2 =x", "!cat ?cat p pX ^0 E0 r1 R5 S9", "l9999999999999999999999", "+((("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := Parse(strings.Split(s, " "))
		if err == nil && len(sc.Elements) == 0 {
			t.Fatal("script without elements accepted")
		}
		if err == nil {
			for _, l := range sc.Logdirs {
				if l.MaxSize < MinMaxSize || l.MaxSize > MaxMaxSize || l.Tolerance > l.MaxSize/2 {
					t.Fatalf("out of range logdir settings %+v", l)
				}
			}
		}
	})
}
