package log_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestRestartsUnderSvscan: the same guarantee through our svscan's held
// pipe. A producer service writes numbered lines in bursts and after each
// burst stops its logger (our s6-log under our supervisor) with s6-svc -t,
// waiting for it to be up again; every line must be in the logdir once.
// The logger is hosted by the scanner, then (no-loghost) a process.
func TestRestartsUnderSvscan(t *testing.T) {
	t.Run("hosted", func(t *testing.T) { restartsUnderSvscan(t, false) })
	t.Run("process", func(t *testing.T) { restartsUnderSvscan(t, true) })
}

func restartsUnderSvscan(t *testing.T, process bool) {
	svstat := harness.RealS6(t, "s6-svstat")
	work := t.TempDir()
	sc := filepath.Join(work, "sc")
	logd := filepath.Join(work, "logdir")
	const bursts, per = 15, 200
	run := fmt.Sprintf(`#!/bin/sh
i=0; k=0
while [ $k -lt %d ]; do
  j=0
  while [ $j -lt %d ]; do printf 'line %%08d\n' $i; i=$((i+1)); j=$((j+1)); done
  k=$((k+1))
  s6-svc -t log
  until [ "$(%s -o up log)" = true ]; do sleep 0.05; done
  sleep 0.1
done
exec s6-svc -O .
`, bursts, per, svstat)
	harness.WriteFile(t, filepath.Join(sc, "p", "run"), run, 0o755)
	harness.WriteFile(t, filepath.Join(sc, "p", "log", "run"), "#!/bin/sh\nexec s6-log s4096 n1000 "+logd+"\n", 0o755)
	if process {
		harness.WriteFile(t, filepath.Join(sc, "p", "log", "no-loghost"), "", 0o644)
	}
	p := harness.Start(t, harness.Command(t, "s6-svscan", sc))
	total := int64(bursts * per)
	last := fmt.Sprintf("line %08d", total-1)
	harness.Eventually(t, 120*time.Second, "the last line in the logdir", func() bool {
		if _, err := os.Stat(filepath.Join(logd, "current")); err != nil {
			return false
		}
		lines := logdirLines(t, logd)
		return len(lines) > 0 && lines[len(lines)-1] == last
	})
	var pid string
	harness.Eventually(t, 30*time.Second, "the logger up", func() bool {
		r := harness.Run(t, "s6-svstat", "-o", "pid", filepath.Join(sc, "p", "log"))
		pid = strings.TrimSpace(r.Stdout)
		return pid != "-1"
	})
	if hosted := pid == fmt.Sprint(p.Pid()); hosted == process {
		t.Errorf("logger pid %s, scanner %d: want hosted %v", pid, p.Pid(), !process)
	}
	harness.Run(t, "s6-svscanctl", "-t", sc)
	if _, ok := p.Wait(60 * time.Second); !ok {
		t.Fatal("svscan did not exit after svscanctl -t")
	}
	if st, err := os.Stat(filepath.Join(logd, "current")); err != nil || st.Mode()&0o100 == 0 {
		t.Fatalf("current missing or not cleanly closed: %v", err)
	}
	checkExactlyOnce(t, numbers(t, logdirLines(t, logd)), total)
	if fi, err := os.Stat(filepath.Join(sc, "p", "log", "supervise", "death_tally")); err != nil || fi.Size() < 14*5 {
		t.Fatalf("logger death_tally: %v, %v; want at least 5 restarts", fi, err)
	}
	noTransientFiles(t, logd)
}
