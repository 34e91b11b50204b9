package clients

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestRestartWaitsManyServices restarts six services at once and waits for
// it with every restart wait: svc -wr/-wR, svwait -r (and -o), svlisten
// -r/-R. Supervisors restart a service at once, so the six are never all
// down at the same moment; a wait must follow each service on its own.
func TestRestartWaitsManyServices(t *testing.T) {
	forEachImpl(t, func(t *testing.T, im impl) {
		svs := map[string]svdef{}
		var plain, ready []string
		for i := 1; i <= 6; i++ {
			svs[fmt.Sprintf("d%d", i)] = svdef{run: sleepRun}
			svs[fmt.Sprintf("r%d", i)] = svdef{run: "#!/bin/sh\necho >&3\nexec sleep 1000\n", notifyFD: "3"}
		}
		_, sv := tree(t, im, svs)
		for i := 1; i <= 6; i++ {
			plain = append(plain, sv[fmt.Sprintf("d%d", i)])
			ready = append(ready, sv[fmt.Sprintf("r%d", i)])
		}
		for _, d := range append(append([]string{}, plain...), ready...) {
			harness.Eventually(t, 30*time.Second, d+" up", func() bool { return readStatus(t, d).Up() })
		}
		svc := harness.Path(t, "svc")

		// checkRestarted runs a wait and checks its exit code and that every
		// service in dirs now runs a new daemon (and is ready, if asked).
		checkRestarted := func(what string, dirs []string, wantReady bool, run func() harness.Result) {
			t.Helper()
			// A supervisor holds back the restart of a daemon that ran for
			// less than a second, which would give every service time to go
			// down before any comes back: let the daemons age first.
			time.Sleep(1100 * time.Millisecond)
			before := map[string]uint64{}
			for _, d := range dirs {
				before[d] = uint64(readStatus(t, d).PID)
			}
			if r := run(); r.Code != 0 {
				t.Errorf("%s: exit %d: %s", what, r.Code, r.Stderr)
				return
			}
			for _, d := range dirs {
				st := readStatus(t, d)
				if !st.Up() || uint64(st.PID) == before[d] || (wantReady && !st.Ready) {
					t.Errorf("%s: %s not restarted: up=%v pid %d (was %d) ready=%v", what, d, st.Up(), st.PID, before[d], st.Ready)
				}
			}
		}
		args := func(pre []string, dirs []string, post ...string) []string {
			return append(append(append([]string{}, pre...), dirs...), post...)
		}

		checkRestarted("svc -wr -r", plain, false, func() harness.Result {
			return ours(t, "svc", args([]string{"-wr", "-T", "10000", "-r"}, plain)...)
		})
		checkRestarted("svc -wR -r", ready, true, func() harness.Result {
			return ours(t, "svc", args([]string{"-wR", "-T", "10000", "-r"}, ready)...)
		})
		checkRestarted("svlisten -r", plain, false, func() harness.Result {
			return ours(t, "svlisten", args([]string{"-r", "-t", "10000"}, plain, args([]string{"", svc, "-r"}, plain)...)...)
		})
		checkRestarted("svlisten -R", ready, true, func() harness.Result {
			return ours(t, "svlisten", args([]string{"-R", "-t", "10000"}, ready, args([]string{"", svc, "-r"}, ready)...)...)
		})
		checkRestarted("svwait -r", plain, false, func() harness.Result {
			return svwaitThen(t, args([]string{"-r", "-t", "10000"}, plain), plain, args([]string{"-r"}, plain))
		})
		checkRestarted("svwait -R", ready, true, func() harness.Result {
			return svwaitThen(t, args([]string{"-R", "-t", "10000"}, ready), ready, args([]string{"-r"}, ready))
		})
		// -o: one service restarting is enough.
		checkRestarted("svwait -r -o", plain[2:3], false, func() harness.Result {
			return svwaitThen(t, args([]string{"-r", "-o", "-t", "10000"}, plain), plain, []string{"-r", plain[2]})
		})
	})
}

// svwaitThen starts our svwait with args, waits until it has subscribed to
// the event fifodir of every dir, runs our svc with svcArgs and returns
// svwait's result.
func svwaitThen(t *testing.T, args, dirs, svcArgs []string) harness.Result {
	t.Helper()
	p := harness.Start(t, harness.Command(t, "svwait", args...))
	for _, d := range dirs {
		harness.Eventually(t, 10*time.Second, "svwait subscribed to "+d, func() bool {
			ents, err := os.ReadDir(filepath.Join(d, "event"))
			return err == nil && len(ents) > 0
		})
	}
	mustOK(t, "svc", ours(t, "svc", svcArgs...))
	code, ok := p.Wait(30 * time.Second)
	if !ok {
		t.Fatalf("svwait %v still running", args)
	}
	return harness.Result{Code: code, Stdout: p.Stdout.String(), Stderr: p.Stderr.String()}
}
