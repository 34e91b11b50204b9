package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestPipeline(t *testing.T) {
	forEachScanner(t, func(t *testing.T, sc scanner) {
		s := newSys(t)
		out := filepath.Join(s.dir, "out")
		s.write(map[string]string{
			"prod/type": "longrun\n", "prod/producer-for": "mid\n",
			"prod/run": "#!/bin/sh\ni=0\nwhile :; do i=$((i+1)); echo \"line $i\"; sleep 0.05; done\n",
			"mid/type": "longrun\n", "mid/consumer-for": "prod\n", "mid/producer-for": "log\n",
			"mid/run": "#!/bin/sh\nexec cat\n",
			// finish runs with the pipes too: its line reaches log
			"mid/finish": "#!/bin/sh\necho \"mid finished $1\"\n",
			"log/type":   "longrun\n", "log/consumer-for": "mid\n", "log/pipeline-name": "pl\n",
			"log/run": "#!/bin/sh\nexec cat >> " + out + "\n",
			// a funnel: two producers into one consumer
			"p1/type": "longrun\n", "p1/producer-for": "sink\n", "p1/run": "#!/bin/sh\nwhile :; do echo p1; sleep 0.1; done\n",
			"p2/type": "longrun\n", "p2/producer-for": "sink\n", "p2/run": "#!/bin/sh\nwhile :; do echo p2; sleep 0.1; done\n",
			"sink/type": "longrun\n", "sink/consumer-for": "p1\np2\n", "sink/pipeline-name": "funnel\n",
			"sink/run": "#!/bin/sh\nexec cat >> " + out + ".funnel\n",
		})
		s.compile()
		db := func(args ...string) harness.Result {
			return harness.Run(t, "s6-rc-db", append([]string{"-c", s.db}, args...)...)
		}
		if r := db("contents", "pl"); !eq(sorted(lines(r.Stdout)), []string{"log", "mid", "prod"}) {
			t.Errorf("contents pl = %q", r.Stdout)
		}
		if r := db("pipeline", "prod"); !eq(lines(r.Stdout), []string{"mid/log", "prod/mid"}) {
			t.Errorf("pipeline prod = %q", r.Stdout)
		}
		if r := db("pipeline", "p1"); !eq(sorted(lines(r.Stdout)), []string{"p1/sink", "p2/sink"}) {
			t.Errorf("pipeline p1 = %q", r.Stdout)
		}
		s.boot(sc)
		r := s.rc("-v2", "change", "pl", "funnel")
		mustCode(t, "change pl", r, 0)
		o := lines(r.Stderr)
		before(t, o, "s6-rc: info: service s6rc-fdholder successfully started", "s6-rc: info: service log: starting")
		before(t, o, "s6-rc: info: service log successfully started", "s6-rc: info: service mid: starting")
		before(t, o, "s6-rc: info: service mid successfully started", "s6-rc: info: service prod: starting")
		count := func(p, what string) int {
			b, _ := os.ReadFile(p)
			return strings.Count(string(b), what)
		}
		harness.Eventually(t, 20*time.Second, "data from prod reaching log", func() bool { return count(out, "line ") >= 3 })
		// kill mid: it is restarted by its supervisor and gets the same
		// pipes back, so data keeps flowing
		midDir := filepath.Join(s.live, "servicedirs", "mid")
		f, err := os.OpenFile(filepath.Join(midDir, "supervise", "control"), os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("k"))
		f.Close()
		n := count(out, "line ")
		harness.Eventually(t, 20*time.Second, "mid's finish output reaching log", func() bool { return count(out, "mid finished") > 0 })
		harness.Eventually(t, 20*time.Second, "data still flowing after mid was killed", func() bool { return count(out, "line ") >= n+5 })
		harness.Eventually(t, 20*time.Second, "both funnel producers reaching sink", func() bool {
			return count(out+".funnel", "p1") > 0 && count(out+".funnel", "p2") > 0
		})
		r = s.rc("-v2", "-d", "change", "pl")
		mustCode(t, "-d change pl", r, 0)
		o = lines(r.Stderr)
		before(t, o, "s6-rc: info: service prod successfully stopped", "s6-rc: info: service mid: stopping")
		before(t, o, "s6-rc: info: service mid successfully stopped", "s6-rc: info: service log: stopping")
	})
}

func TestRcDbQueries(t *testing.T) {
	s := newSys(t)
	diamond(s)
	s.write(map[string]string{
		"x/type": "oneshot\n", "x/up": "echo \"hello world\"\n", "x/down": "echo bye\n", "x/timeout-up": "1500\n",
		"y/type": "oneshot\n", "y/up": "true\n",
		"b1/type": "bundle\n", "b1/contents": "x\n",
		"b2/type": "bundle\n", "b2/contents.d/b1": "", "b2/contents.d/y": "", "b2/flag-essential": "",
		"b3/type": "bundle\n", "b3/contents": "b2\n",
	})
	s.compile()
	db := func(args ...string) harness.Result {
		return harness.Run(t, "s6-rc-db", append([]string{"-c", s.db}, args...)...)
	}
	check := func(args []string, want []string, sortIt bool) {
		t.Helper()
		r := db(args...)
		got := lines(r.Stdout)
		if sortIt {
			got = sorted(got)
		}
		if r.Code != 0 || !eq(got, want) {
			t.Errorf("s6-rc-db %v: %d %q %q, want %q", args, r.Code, r.Stdout, r.Stderr, want)
		}
	}
	check([]string{"atomics", "b3"}, []string{"y", "x"}, false)
	check([]string{"flags", "x"}, []string{"00000001"}, false)
	check([]string{"flags", "a"}, []string{"00000000"}, false)
	check([]string{"all-dependencies", "d"}, []string{"d", "c", "b", "a", "s6rc-oneshot-runner"}, false)
	check([]string{"-d", "all-dependencies", "a"}, []string{"d", "c", "b", "a"}, false)
	check([]string{"dependencies", "d"}, []string{"c", "b", "s6rc-oneshot-runner"}, false)
	check([]string{"-d", "dependencies", "a"}, []string{"c", "b"}, false)
	check([]string{"type", "b3"}, []string{"bundle"}, false)
	check([]string{"type", "x"}, []string{"oneshot"}, false)
	check([]string{"type", "s6rc-fdholder"}, []string{"longrun"}, false)
	check([]string{"timeout", "x"}, []string{"1500"}, false)
	check([]string{"-d", "timeout", "x"}, []string{"0"}, false)
	check([]string{"list", "oneshots"}, []string{"a", "b", "c", "d", "x", "y"}, false)
	check([]string{"list", "longruns"}, []string{"s6rc-oneshot-runner", "s6rc-fdholder"}, false)
	check([]string{"-e", "list", "services"}, []string{"a", "b", "c", "d"}, false)
	check([]string{"list", "bundles"}, []string{"all", "b1", "b2", "b3"}, true)
	check([]string{"check"}, nil, false)
	if r := db("script", "x"); r.Stdout != "echo\x00hello world\x00" {
		t.Errorf("script x = %q", r.Stdout)
	}
	if r := db("-d", "script", "x"); r.Stdout != "echo\x00bye\x00" {
		t.Errorf("-d script x = %q", r.Stdout)
	}
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"type", "nope"}, 3}, {[]string{"contents", "x"}, 5}, {[]string{"timeout", "b1"}, 5},
		{[]string{"script", "s6rc-fdholder"}, 5}, {[]string{"frobnicate"}, 100}} {
		if r := db(c.args...); r.Code != c.code {
			t.Errorf("s6-rc-db %v: exit %d, want %d (%s)", c.args, r.Code, c.code, r.Stderr)
		}
	}
	if r := db("type", "nope"); !strings.Contains(r.Stderr, "nope is not a valid identifier in "+s.db) {
		t.Errorf("stderr %q", r.Stderr)
	}
}
