package main

import (
	"bytes"
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"p/a"}
{"Action":"run","Package":"p/a","Test":"TestOK"}
{"Action":"output","Package":"p/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"p/a","Test":"TestOK","Output":"    a_test.go:3: chatter\n"}
{"Action":"pass","Package":"p/a","Test":"TestOK"}
{"Action":"run","Package":"p/a","Test":"TestSkip"}
{"Action":"output","Package":"p/a","Test":"TestSkip","Output":"=== RUN   TestSkip\n"}
{"Action":"output","Package":"p/a","Test":"TestSkip","Output":"    a_test.go:9: needs root\n"}
{"Action":"output","Package":"p/a","Test":"TestSkip","Output":"--- SKIP: TestSkip (0.00s)\n"}
{"Action":"skip","Package":"p/a","Test":"TestSkip"}
{"Action":"output","Package":"p/a","Output":"PASS\n"}
{"Action":"output","Package":"p/a","Output":"ok  \tp/a\t0.1s\n"}
{"Action":"pass","Package":"p/a"}
{"Action":"run","Package":"p/b","Test":"TestBad"}
{"Action":"output","Package":"p/b","Test":"TestBad","Output":"    b_test.go:5: wrong answer\n"}
{"Action":"output","Package":"p/b","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"p/b","Test":"TestBad"}
{"Action":"run","Package":"p/b","Test":"TestSkip/sub"}
{"Action":"output","Package":"p/b","Test":"TestSkip/sub","Output":"    b_test.go:7: no qemu\n"}
{"Action":"skip","Package":"p/b","Test":"TestSkip/sub"}
{"Action":"output","Package":"p/b","Output":"FAIL\tp/b\t0.2s\n"}
{"Action":"fail","Package":"p/b"}
{"Action":"output","Package":"p/c","Output":"?   \tp/c\t[no test files]\n"}
{"Action":"skip","Package":"p/c"}
`

func TestSummary(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	s.finish()
	got := out.String()
	for _, want := range []string{
		"ok  \tp/a\t0.1s\n",
		"b_test.go:5: wrong answer\n--- FAIL: TestBad",
		"FAIL\tp/b\t0.2s\n",
		"?   \tp/c\t[no test files]\n",
		"SKIP p/a TestSkip: a_test.go:9: needs root\n",
		"SKIP p/b TestSkip/sub: b_test.go:7: no qemu\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "\nskipped: 2 tests\n") {
		t.Errorf("no count line at the end:\n%s", got)
	}
	if strings.Contains(got, "chatter") {
		t.Errorf("output of a passing test printed:\n%s", got)
	}
	if !s.failed {
		t.Error("failure not noticed")
	}
}

func TestRunKeepsExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"sh", "-c", "echo '{\"Action\":\"pass\",\"Package\":\"p\"}'; exit 3"}, &out); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	out.Reset()
	// A failure in the stream fails the run even when the command exits 0.
	if code := run([]string{"sh", "-c", "echo '{\"Action\":\"fail\",\"Package\":\"p\"}'"}, &out); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if code := run([]string{"sh", "-c", "true"}, &out); code != 0 || !strings.HasSuffix(out.String(), "skipped: 0 tests\n") {
		t.Errorf("exit %d, output %q", code, out.String())
	}
}
