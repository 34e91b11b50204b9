// Command react measures a supervisor's own reaction time, with no client
// process start in the figure: from writing a command byte to
// DIR/supervise/control until the matching event byte arrives on DIR/event.
// It alternates -d (wait for 'd') and -u (wait for 'u'), pausing between
// them so that the supervisor's restart throttle never applies, and prints
// "DOWN_MEDIAN_MS UP_MEDIAN_MS". It works against any s6-compatible
// supervisor (s6-supervise or ours). Used by the benchmarks only.
//
// Usage: react DIR ROUNDS
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"s6box/core/ftrig"
	"s6box/core/svc"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: react DIR ROUNDS")
		os.Exit(100)
	}
	dir := os.Args[1]
	rounds, err := strconv.Atoi(os.Args[2])
	if err != nil || rounds < 1 {
		fmt.Fprintf(os.Stderr, "react: invalid ROUNDS: %s\n", os.Args[2])
		os.Exit(100)
	}
	l, err := ftrig.Subscribe(filepath.Join(dir, "event"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "react: %v\n", err)
		os.Exit(111)
	}
	defer l.Close()
	var downs, ups []float64
	for range rounds {
		d, err := roundTrip(l, dir, 'd')
		if err != nil {
			fail(l, err)
		}
		time.Sleep(1100 * time.Millisecond) // past the 1 s restart pacing
		u, err := roundTrip(l, dir, 'u')
		if err != nil {
			fail(l, err)
		}
		downs, ups = append(downs, d), append(ups, u)
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("%.3f %.3f\n", median(downs), median(ups))
}

func fail(l *ftrig.Listener, err error) {
	l.Close()
	fmt.Fprintf(os.Stderr, "react: %v\n", err)
	os.Exit(111)
}

// roundTrip sends cmd and returns the milliseconds until the event byte of
// the same letter is read.
func roundTrip(l *ftrig.Listener, dir string, cmd byte) (float64, error) {
	buf := make([]byte, 64)
	for { // drop events left from the previous round
		n, err := l.ReadNow(buf)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
	}
	l.SetDeadline(time.Now().Add(10 * time.Second))
	t0 := time.Now()
	if err := svc.Write(dir, []byte{cmd}); err != nil {
		return 0, err
	}
	for {
		n, err := l.Read(buf)
		if err != nil {
			return 0, fmt.Errorf("waiting for %q on %s: %w", cmd, dir, err)
		}
		if slices.Contains(buf[:n], cmd) {
			return float64(time.Since(t0).Microseconds()) / 1000, nil
		}
	}
}

func median(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
