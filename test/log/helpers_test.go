package log_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"s6box/logger/logdir"
	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// producer writes numbered lines "line NNNNNNNN" into w, one write per line
// (atomic on a pipe), until stopped.
type producer struct {
	w    *os.File
	n    atomic.Int64
	stop chan struct{}
	done sync.WaitGroup
}

func startProducer(w *os.File, pad int) *producer {
	p := &producer{w: w, stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		filler := strings.Repeat("x", pad)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			i := p.n.Load()
			if _, err := fmt.Fprintf(w, "line %08d %s\n", i, filler); err != nil {
				return
			}
			p.n.Add(1)
		}
	}()
	return p
}

// Stop stops the producer and returns how many lines it wrote.
func (p *producer) Stop() int64 {
	close(p.stop)
	p.w.SetWriteDeadline(time.Now()) // a write blocked on a full pipe gives up
	p.done.Wait()
	return p.n.Load()
}

// logdirLines reads every archive (oldest first) then current.
func logdirLines(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if logdir.IsArchiveName(e.Name()) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	files = append(files, "current")
	var lines []string
	for _, f := range files {
		fh, err := os.Open(filepath.Join(dir, f))
		if os.IsNotExist(err) {
			continue // mid-rotation or pruned while we read; callers check current
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fh.Close()
	}
	return lines
}

// numbers extracts the line numbers; bad lines fail the test.
func numbers(t *testing.T, lines []string) []int64 {
	t.Helper()
	var out []int64
	for _, l := range lines {
		var n int64
		if _, err := fmt.Sscanf(l, "line %d", &n); err != nil {
			t.Fatalf("corrupt line in logdir: %q", l)
		}
		out = append(out, n)
	}
	return out
}

// checkExactlyOnce verifies 0..total-1 each appear once, in order.
func checkExactlyOnce(t *testing.T, got []int64, total int64) {
	t.Helper()
	if int64(len(got)) != total {
		t.Errorf("logdir has %d lines, producer wrote %d", len(got), total)
	}
	for i, n := range got {
		if n != int64(i) {
			t.Fatalf("line %d of the logdir is number %d (lost, duplicated or reordered)", i, n)
		}
	}
}

func noTransientFiles(t *testing.T, dir string) {
	t.Helper()
	for _, n := range []string{"previous", "processed", "newstate"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s left in %s", n, dir)
		}
	}
}
