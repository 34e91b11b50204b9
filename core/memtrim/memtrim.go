// Package memtrim lets a long-lived process give back memory it only needed
// while starting: the pages of its own executable that start-up touched
// (Go's runtime maps most of a static binary in on the way), and heap that
// start-up garbage left behind.
//
// Only read-only mappings of the executable are released (text and
// rodata): MADV_DONTNEED drops them from this process's page tables, the
// page cache keeps them, and the ones still in use fault back in on the
// next touch. Writable mappings are never touched (their contents would be
// lost). Without /proc (early boot), nothing happens.
package memtrim

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Release drops this process's read-only mappings of its own executable and
// returns free heap to the kernel. It reports how many bytes of mappings it
// released.
func Release() int {
	// Collect first: a garbage collection walks goroutine stacks through
	// the binary's tables and would fault them straight back in.
	debug.FreeOSMemory()
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	released := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		start, end, ok := readOnlyMappingOf(sc.Text(), self)
		if !ok {
			continue
		}
		// The range is a mapping the kernel listed, not Go memory: call
		// madvise(2) on the addresses directly.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_DONTNEED); errno == 0 {
			released += int(end - start)
		}
	}
	return released
}

// readOnlyMappingOf parses one /proc/self/maps line and reports the range
// when it is a mapping of path without write permission.
func readOnlyMappingOf(line, path string) (start, end uintptr, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || strings.Join(fields[5:], " ") != path {
		return 0, 0, false
	}
	perms := fields[1]
	if len(perms) < 4 || perms[0] != 'r' || perms[1] != '-' || perms[3] != 'p' {
		return 0, 0, false
	}
	lo, hi, found := strings.Cut(fields[0], "-")
	if !found {
		return 0, 0, false
	}
	s, err1 := strconv.ParseUint(lo, 16, 64)
	e, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || e <= s {
		return 0, 0, false
	}
	return uintptr(s), uintptr(e), true
}

// Trimmer releases once things have been quiet for a while: a long-lived
// process whose start-up comes in bursts (a scanner that s6-rc hands
// services to, or tells to start them, seconds after it started) calls
// Touch at each step of a burst. A burst that never ends (a service
// restarting in a loop) still gets a release every maxWait.
type Trimmer struct {
	delay, maxWait time.Duration
	release        func()

	mu      sync.Mutex
	t       *time.Timer
	pending bool      // a Touch since the last release
	first   time.Time // the first Touch since then
}

// After returns a Trimmer that calls Release delay from now, and again
// delay after the last Touch of each later burst, or maxWait after its
// first Touch if the burst goes on.
func After(delay, maxWait time.Duration) *Trimmer {
	return after(delay, maxWait, func() { Release() })
}

func after(delay, maxWait time.Duration, release func()) *Trimmer {
	tr := &Trimmer{delay: delay, maxWait: maxWait, release: release}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.pending, tr.first = true, time.Now()
	tr.t = time.AfterFunc(delay, tr.fire)
	return tr
}

func (tr *Trimmer) fire() {
	tr.mu.Lock()
	tr.pending = false
	tr.mu.Unlock()
	tr.release()
}

// Touch moves the release to delay from now (but no later than maxWait
// after the burst's first Touch), arming it again after a release.
func (tr *Trimmer) Touch() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	now := time.Now()
	if !tr.pending {
		tr.pending, tr.first = true, now
	}
	at := now.Add(tr.delay)
	if limit := tr.first.Add(tr.maxWait); at.After(limit) {
		at = limit
	}
	tr.t.Reset(at.Sub(now))
}
