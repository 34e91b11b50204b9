package clients

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/core/status"
	"s6box/test/harness"
)

// tool runs our applet (ours=true) or the Debian tool with the same name.
func tool(t *testing.T, useOurs bool, s6name string, args ...string) harness.Result {
	t.Helper()
	if useOurs {
		return ours(t, strings.TrimPrefix(s6name, "s6-"), args...)
	}
	return real(t, s6name, args...)
}

func readStatus(t *testing.T, dir string) status.Status {
	t.Helper()
	st, err := status.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSvcWaitRoundTrips drives the same service with our svc and with real
// s6-svc through every -w mode and checks exit codes and resulting states.
func TestSvcWaitRoundTrips(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{
			"s":  {run: sleepRun, down: true},
			"rd": {run: "#!/bin/sh\necho >&3\nexec sleep 1000\n", notifyFD: "3", down: true},
		})
		for _, useOurs := range []bool{true, false} {
			who := map[bool]string{true: "ours", false: "real"}[useOurs]
			steps := []struct {
				dir    string
				args   []string
				up     bool
				ready  bool
				checkR bool
			}{
				{sv["s"], []string{"-wu", "-u"}, true, false, false},
				{sv["s"], []string{"-wd", "-d"}, false, false, false},
				{sv["s"], []string{"-wU", "-T", "20000", "-u"}, true, false, false}, // downgraded: no notification-fd
				{sv["s"], []string{"-wD", "-T5000", "-d"}, false, true, true},
				{sv["rd"], []string{"-wU", "-T", "20000", "-u"}, true, true, true},
				{sv["rd"], []string{"-wr", "-T", "20000", "-r"}, true, false, false},
				{sv["rd"], []string{"-wR", "-T", "20000", "-r"}, true, true, true},
				{sv["rd"], []string{"-wD", "-T", "20000", "-d"}, false, true, true},
			}
			for _, s := range steps {
				args := append(append([]string{}, s.args...), s.dir)
				r := tool(t, useOurs, "s6-svc", args...)
				if r.Code != 0 {
					t.Fatalf("%s svc %v: exit %d: %s", who, args, r.Code, r.Stderr)
				}
				st := readStatus(t, s.dir)
				if st.Up() != s.up || (s.checkR && st.Ready != s.ready) {
					t.Fatalf("%s svc %v: status up=%v ready=%v", who, args, st.Up(), st.Ready)
				}
				if strings.Contains(strings.Join(s.args, " "), "-wU") && s.dir == sv["s"] && !strings.Contains(r.Stderr, "notification-fd not present") {
					t.Errorf("%s svc %v: no downgrade warning: %q", who, args, r.Stderr)
				}
			}
			// The service is down: waiting for up without a command times out.
			r := tool(t, useOurs, "s6-svc", "-wu", "-T", "300", sv["s"])
			if r.Code != 99 {
				t.Errorf("%s svc -wu -T 300 on a down service: exit %d (%s)", who, r.Code, r.Stderr)
			}
		}
	})
}

func TestSvcErrorsMatchReal(t *testing.T) {
	base := t.TempDir()
	notListening := filepath.Join(base, "nl")
	if err := os.MkdirAll(filepath.Join(notListening, "supervise"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(notListening, "supervise", "control"), 0o600); err != nil {
		t.Fatal(err)
	}
	noSupervise := filepath.Join(base, "ns")
	os.Mkdir(noSupervise, 0o755)
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"-u", notListening}, 100},
		{[]string{"-u", noSupervise}, 100},
		{[]string{"-u", filepath.Join(base, "missing")}, 111},
		{[]string{"-u", ""}, 100},
		{[]string{"-Z", notListening}, 100},
		{[]string{"-wz", "-u", notListening}, 100},
		{[]string{"-u"}, 100},
	}
	for _, c := range cases {
		o, r := ours(t, "svc", c.args...), real(t, "s6-svc", c.args...)
		if o.Code != c.code || r.Code != c.code {
			t.Errorf("svc %q: ours %d, real %d, want %d\nours: %s", c.args, o.Code, r.Code, c.code, o.Stderr)
		}
		if !strings.HasPrefix(o.Stderr, "svc: ") {
			t.Errorf("svc %q: message %q", c.args, o.Stderr)
		}
	}
	if o := ours(t, "svc", "-u", notListening); !strings.Contains(o.Stderr, "svc: fatal: unable to control "+notListening+": supervisor not listening") {
		t.Errorf("not listening message: %q", o.Stderr)
	}
	// -w on a dead supervisor fails at once instead of waiting.
	if err := os.MkdirAll(filepath.Join(notListening, "event"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(notListening, "supervise", "status"), make([]byte, 35), 0o644)
	if o := ours(t, "svc", "-wu", "-u", notListening); o.Code != 100 {
		t.Errorf("svc -wu -u not listening: %d %s", o.Code, o.Stderr)
	}
	// Several dirs (2.14+): all get the command; 102 when one is not supervised.
	if o := ours(t, "svc", "-u", notListening, noSupervise); o.Code != 1 {
		t.Errorf("svc two dirs, last broken: %d %s", o.Code, o.Stderr)
	}
	if o := ours(t, "svc", "-u", noSupervise, notListening); o.Code != 102 {
		t.Errorf("svc two dirs, last not listening: %d %s", o.Code, o.Stderr)
	}
	if o := ours(t, "svc", "-u", notListening, filepath.Join(base, "missing")); o.Code != 111 {
		t.Errorf("svc two dirs, last missing: %d %s", o.Code, o.Stderr)
	}
}

func TestSvcSeveralDirsAndSignals(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		base := t.TempDir()
		nl := filepath.Join(base, "nl")
		os.MkdirAll(filepath.Join(nl, "supervise"), 0o755)
		syscall.Mkfifo(filepath.Join(nl, "supervise", "control"), 0o600)
		_, sv := tree(t, im, map[string]svdef{
			"a": {run: sleepRun, down: true},
			"b": {run: sleepRun, down: true},
		})
		// Both supervised services get -u even though the middle one fails.
		r := ours(t, "svc", "-u", sv["a"], nl, sv["b"])
		if r.Code != 102 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		mustOK(t, "both up", ours(t, "svwait", "-u", "-t", "20000", sv["a"], sv["b"]))
		// -w with several dirs waits for all of them.
		mustOK(t, "svc -wd -d a b", ours(t, "svc", "-wd", "-T", "20000", "-d", sv["a"], sv["b"]))
		if readStatus(t, sv["a"]).Up() || readStatus(t, sv["b"]).Up() {
			t.Fatal("not both down")
		}
		// -s SIG maps to the signal letter; the supervisor kills run with it.
		mustOK(t, "svc -wu -u a", ours(t, "svc", "-wu", "-T", "20000", "-u", sv["a"]))
		mustOK(t, "svc -wd -s KILL", ours(t, "svc", "-wd", "-T", "20000", "-O", "-s", "KILL", sv["a"]))
		st := readStatus(t, sv["a"])
		if !st.Signaled() || st.Signal() != 9 {
			t.Fatalf("after -s KILL: wstat %#x", st.Wstat)
		}
		if r := ours(t, "svc", "-s", "SEGV", sv["a"]); r.Code != 100 {
			t.Errorf("-s SEGV: %d", r.Code)
		}
		if r := ours(t, "svc", "-s", "NOPE", sv["a"]); r.Code != 100 {
			t.Errorf("-s NOPE: %d", r.Code)
		}
	})
}

func TestSvcCommandBytesInOrder(t *testing.T) {
	// A fake supervisor: our svc must write the letters in command-line order
	// in one write.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "supervise"), 0o755)
	fifo := filepath.Join(dir, "supervise", "control")
	syscall.Mkfifo(fifo, 0o600)
	rd, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	mustOK(t, "svc", ours(t, "svc", "-abqhkti12pcy", "-roduDUxOQ", "-PCKl", "-s", "sigterm", "-s", "10", dir))
	buf := make([]byte, 128)
	n, _ := rd.Read(buf)
	if got, want := string(buf[:n]), "abqhkti12pcyroduDUxOQPCKlt1"; got != want {
		t.Fatalf("bytes %q want %q", got, want)
	}
	// 62 commands are fine, 63 are too many.
	many := "-" + strings.Repeat("a", 62)
	mustOK(t, "62 commands", ours(t, "svc", many, dir))
	rd.Read(buf)
	if r := ours(t, "svc", many+"a", dir); r.Code != 100 || !strings.Contains(r.Stderr, "too many commands") {
		t.Fatalf("63 commands: %d %q", r.Code, r.Stderr)
	}
}

func TestSvwaitAnyAllAndFailures(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{
			"a":    {run: sleepRun, down: true},
			"b":    {run: sleepRun, down: true},
			"perm": {run: "#!/bin/sh\nexit 1\n", finish: "#!/bin/sh\nexit 125\n", down: true},
			"pr":   {run: "#!/bin/sh\nexit 1\n", finish: "#!/bin/sh\nexit 125\n", down: true, notifyFD: "3"},
		})
		// svc -wU -u on a service that fails permanently before readiness:
		// exit 1 (s6-svlisten1's code) for both clients.
		for _, useOurs := range []bool{true, false} {
			r := tool(t, useOurs, "s6-svc", "-wU", "-T", "20000", "-u", sv["pr"])
			if r.Code != 1 {
				t.Errorf("svc -wU -u permanent failure (ours=%v): %d %s", useOurs, r.Code, r.Stderr)
			}
		}
		mustOK(t, "svc -u a", ours(t, "svc", "-wu", "-T", "20000", "-u", sv["a"]))
		for _, useOurs := range []bool{true, false} {
			who := map[bool]string{true: "ours", false: "real"}[useOurs]
			if r := tool(t, useOurs, "s6-svwait", "-o", "-t", "20000", sv["a"], sv["b"]); r.Code != 0 {
				t.Errorf("%s svwait -o: %d %s", who, r.Code, r.Stderr)
			}
			if r := tool(t, useOurs, "s6-svwait", "-a", "-t", "300", sv["a"], sv["b"]); r.Code != 99 {
				t.Errorf("%s svwait -a: %d %s", who, r.Code, r.Stderr)
			}
			if r := tool(t, useOurs, "s6-svwait", "-d", "-o", "-t", "300", sv["a"], sv["b"]); r.Code != 0 {
				t.Errorf("%s svwait -d -o: %d %s", who, r.Code, r.Stderr)
			}
			if r := tool(t, useOurs, "s6-svwait", "-t5000", "-x", sv["a"]); r.Code != 100 {
				t.Errorf("%s svwait -x: %d", who, r.Code)
			}
		}
		// A finish exiting 125 is a permanent failure: the waiter counts 1.
		for _, useOurs := range []bool{true, false} {
			who := map[bool]string{true: "ours", false: "real"}[useOurs]
			cmd := harness.Command(t, harness.Path(t, "svwait"), "-U", "-t", "30000", sv["perm"])
			if !useOurs {
				cmd = harness.Command(t, harness.RealS6(t, "s6-svwait"), "-U", "-t", "30000", sv["perm"])
			}
			w := harness.Start(t, cmd)
			harness.Eventually(t, 20*time.Second, "listener fifo", func() bool {
				ents, _ := os.ReadDir(filepath.Join(sv["perm"], "event"))
				return len(ents) > 0
			})
			mustOK(t, "svc -u perm", ours(t, "svc", "-u", sv["perm"]))
			code, ok := w.Wait(30 * time.Second)
			if !ok || code != 1 {
				t.Errorf("%s svwait -U on a permanently failing service: exit %d (exited %v) %s", who, code, ok, w.Stderr.String())
			}
			// The supervisor cleared wantup; the service stays down.
			if st := readStatus(t, sv["perm"]); st.WantUp || st.Up() {
				t.Errorf("%s: perm still wanted up: %+v", who, st)
			}
		}
	})
}

func TestSvokSvdt(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{"a": {run: sleepRun}})
		for _, useOurs := range []bool{true, false} {
			if r := tool(t, useOurs, "s6-svok", sv["a"]); r.Code != 0 {
				t.Errorf("svok (ours=%v) on supervised: %d", useOurs, r.Code)
			}
			if r := tool(t, useOurs, "s6-svok", t.TempDir()); r.Code != 1 {
				t.Errorf("svok (ours=%v) on unsupervised: %d", useOurs, r.Code)
			}
			if r := tool(t, useOurs, "s6-svok"); r.Code != 100 {
				t.Errorf("svok (ours=%v) without args: %d", useOurs, r.Code)
			}
		}
		mustOK(t, "wait up", ours(t, "svwait", "-u", "-t", "20000", sv["a"]))
		mustOK(t, "kill", ours(t, "svc", "-wr", "-T", "20000", "-k", sv["a"]))
		mustOK(t, "term", ours(t, "svc", "-wr", "-T", "20000", "-t", sv["a"]))
		for _, args := range [][]string{{sv["a"]}, {"-s", sv["a"]}, {"-n", "1", sv["a"]}, {"-S", "-n", "0", sv["a"]}, {t.TempDir()}, {}} {
			o, r := ours(t, "svdt", args...), real(t, "s6-svdt", args...)
			if o.Code != r.Code || o.Stdout != r.Stdout {
				t.Errorf("svdt %v: ours %d %q, real %d %q", args, o.Code, o.Stdout, r.Code, r.Stdout)
			}
		}
		if n := strings.Count(ours(t, "svdt", sv["a"]).Stdout, "\n"); n != 2 {
			t.Errorf("%d death records, want 2", n)
		}
		mustOK(t, "svdt-clear", ours(t, "svdt-clear", sv["a"]))
		if r := real(t, "s6-svdt", sv["a"]); r.Code != 0 || r.Stdout != "" {
			t.Errorf("after svdt-clear: %d %q", r.Code, r.Stdout)
		}
		if r := ours(t, "svdt-clear", t.TempDir()); r.Code != 111 {
			t.Errorf("svdt-clear without supervise: %d", r.Code)
		}
	})
}

func TestSvlisten(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		_, sv := tree(t, im, map[string]svdef{
			"a": {run: sleepRun, down: true},
			"b": {run: sleepRun, down: true},
		})
		svc := harness.Path(t, "svc")
		mustOK(t, "svlisten1", ours(t, "svlisten1", "-u", "-t", "20000", sv["a"], svc, "-u", sv["a"]))
		if !readStatus(t, sv["a"]).Up() {
			t.Fatal("a not up")
		}
		mustOK(t, "svlisten", ours(t, "svlisten", "-d", "-t", "20000", sv["a"], sv["b"], "", svc, "-d", sv["a"]))
		mustOK(t, "svlisten -o", ours(t, "svlisten", "-u", "-o", "-t", "20000", sv["a"], sv["b"], "", svc, "-u", sv["b"]))
		if r := ours(t, "svlisten", "-u", "-t", "300", sv["a"], sv["b"], "", "true"); r.Code != 99 {
			t.Errorf("svlisten timeout: %d %s", r.Code, r.Stderr)
		}
		if r := ours(t, "svlisten", "-u", sv["a"], svc, "-u", sv["a"]); r.Code != 100 || !strings.Contains(r.Stderr, "unterminated") {
			t.Errorf("unterminated: %d %s", r.Code, r.Stderr)
		}
		if r := ours(t, "svlisten1", "-u", sv["a"], "/nonexistent/prog"); r.Code != 111 {
			t.Errorf("spawn failure: %d %s", r.Code, r.Stderr)
		}
		// -r: down (and finished), then up again; ours and real the same way.
		mustOK(t, "up a", ours(t, "svc", "-wu", "-T", "20000", "-u", sv["a"]))
		for _, useOurs := range []bool{true, false} {
			r := tool(t, useOurs, "s6-svlisten1", "-r", "-t", "20000", sv["a"], svc, "-k", sv["a"])
			if r.Code != 0 || !readStatus(t, sv["a"]).Up() {
				t.Errorf("svlisten1 -r (ours=%v): %d %s", useOurs, r.Code, r.Stderr)
			}
			r = tool(t, useOurs, "s6-svwait", "-r", "-t", "300", sv["a"])
			if r.Code != 99 {
				t.Errorf("svwait -r on an up service without a restart (ours=%v): %d %s", useOurs, r.Code, r.Stderr)
			}
		}
		// Real s6-svlisten1 spawning our svc, and the reverse.
		mustOK(t, "real svlisten1 + our svc", real(t, "s6-svlisten1", "-d", "-t", "20000", sv["b"], svc, "-d", sv["b"]))
		mustOK(t, "our svlisten1 + real svc", ours(t, "svlisten1", "-u", "-t", "20000", sv["b"], harness.RealS6(t, "s6-svc"), "-u", sv["b"]))
	})
}
