// Package svlisten waits for services to reach a state, the way s6-svwait,
// s6-svlisten1 and s6-svlisten do: subscribe to each DIR/event fifodir
// first, then read DIR/supervise/status, then follow the supervisor's event
// bytes. Subscribing before reading the status makes it race-free: a
// transition after the read is always seen as an event.
package svlisten

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"s6box/core/ftrig"
	"s6box/core/status"
)

// ErrTimeout is returned by Wait when the deadline passes.
var ErrTimeout = errors.New("timed out")

// ErrAborted is returned by WaitAbort when its abort channel is closed.
var ErrAborted = errors.New("aborted")

// Want is a wanted state: up or down, and whether readiness is required
// (up and ready for -U/-R, down and ready, i.e. finish done, for -D).
type Want struct {
	Up, Ready bool
}

type chunk struct {
	i    int
	data []byte
	err  error
}

// Watcher follows a set of services.
type Watcher struct {
	dirs    []string
	ls      []*ftrig.Listener
	up      []bool
	ready   []bool
	events  chan chunk
	started bool
	done    chan struct{}
	pending chunk // event bytes not yet applied when a Wait returned
	files   []*os.File

	// During WaitRestart: the state each service must pass through first,
	// and which services have passed through it.
	first  *Want
	passed []bool
}

// Subscribe creates DIR/event if needed (not forcing its mode), subscribes
// to it and reads DIR/supervise/status, for every dir in order. On error
// the subscriptions made so far are removed.
func Subscribe(dirs []string) (*Watcher, error) {
	w := &Watcher{
		dirs:  dirs,
		ls:    make([]*ftrig.Listener, 0, len(dirs)),
		up:    make([]bool, len(dirs)),
		ready: make([]bool, len(dirs)),
		done:  make(chan struct{}),
	}
	for i, d := range dirs {
		ev := filepath.Join(d, "event")
		if err := ftrig.MakeFifodir(ev, false, false); err != nil {
			w.Close()
			return nil, fmt.Errorf("unable to subscribe to events for %s: %w", d, err)
		}
		l, err := ftrig.Subscribe(ev)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("unable to subscribe to events for %s: %w", d, err)
		}
		w.ls = append(w.ls, l)
		st, err := status.Read(d)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("unable to read status for %s: %w", d, err)
		}
		w.up[i] = st.Up()
		w.ready[i] = st.Ready
	}
	return w, nil
}

// Close unsubscribes from every fifodir.
func (w *Watcher) Close() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	for _, f := range w.files {
		f.Close()
	}
	for _, l := range w.ls {
		l.Close()
	}
}

// in reports whether service i is in the state want.
func (w *Watcher) in(i int, want Want) bool {
	return w.up[i] == want.Up && (!want.Ready || w.ready[i])
}

// got evaluates the condition: each service's up bit equals want.Up (and,
// if want.Ready, its ready bit is set), for all services, or for at least
// one when or is set. During WaitRestart a service counts only once it has
// passed through the first state.
func (w *Watcher) got(want Want, or bool) bool {
	for i := range w.up {
		ok := w.in(i, want) && (w.passed == nil || w.passed[i])
		if ok == or {
			return or
		}
	}
	return !or
}

// apply updates service i's bits for one event byte, returning whether it
// counts as a failure (permanent failure `O` while waiting for up, or the
// supervisor exiting `x` while the service is not in the wanted state).
// During WaitRestart, a service that has not yet passed through the first
// state is judged against that state; when its supervisor dies there it
// counts as failed and is forced into the final wanted state, since no
// more events will come from it.
func (w *Watcher) apply(i int, c byte, want Want) (failed bool) {
	if w.passed != nil && !w.passed[i] {
		if c == 'x' && !w.in(i, *w.first) {
			w.passed[i] = true
			w.up[i], w.ready[i] = want.Up, want.Ready
			return true
		}
		failed = w.applyState(i, c, *w.first)
		if w.in(i, *w.first) {
			w.passed[i] = true
		}
		return failed
	}
	return w.applyState(i, c, want)
}

func (w *Watcher) applyState(i int, c byte, want Want) (failed bool) {
	switch c {
	case 'd':
		w.up[i], w.ready[i] = false, false
	case 'D':
		w.up[i], w.ready[i] = false, true
	case 'u':
		w.up[i], w.ready[i] = true, false
	case 'U':
		w.up[i], w.ready[i] = true, true
	case 'O':
		if want.Up {
			w.up[i], w.ready[i] = want.Up, want.Ready
			return true
		}
	case 'x':
		if w.up[i] != want.Up || (want.Ready && !w.ready[i]) {
			w.up[i], w.ready[i] = want.Up, want.Ready
			return true
		}
	}
	return false
}

// start launches one reader goroutine per listener, for WaitAbort: each
// reads through the runtime's poller, so many concurrent waiters in one
// process (s6-rc changing hundreds of services) hold no thread each.
func (w *Watcher) start() error {
	if w.started {
		return nil
	}
	w.started = true
	w.events = make(chan chunk, len(w.ls))
	for i, l := range w.ls {
		f, err := l.PollFile()
		if err != nil {
			return err
		}
		w.files = append(w.files, f)
		go func(i int, f *os.File) {
			for {
				buf := make([]byte, 64)
				n, err := f.Read(buf)
				select {
				case w.events <- chunk{i: i, data: buf[:n], err: err}:
				case <-w.done:
					return
				}
				if err != nil {
					return
				}
			}
		}(i, f)
	}
	return nil
}

// Wait returns once the condition holds: every service (or, with or, at
// least one) is in the wanted state. It checks at once, then after every
// event byte. failures counts the services that failed on the way
// (see apply); they are forced into the wanted state. A zero deadline
// waits forever; when it passes Wait returns ErrTimeout.
func (w *Watcher) Wait(want Want, or bool, deadline time.Time) (failures int, err error) {
	if w.got(want, or) {
		return 0, nil
	}
	if w.started {
		return w.WaitAbort(want, or, deadline, nil)
	}
	// One thread, no goroutines: poll(2) on every listener, then apply what
	// each one has, in order.
	fds := make([]int, len(w.ls))
	for i, l := range w.ls {
		fds[i] = l.Fd()
	}
	if c := w.pending; len(c.data) > 0 {
		w.pending = chunk{}
		n, done := w.applyChunk(c, want, or)
		failures += n
		if done {
			return failures, nil
		}
	}
	buf := make([]byte, 64)
	for {
		ok, err := ftrig.WaitReadable(fds, deadline)
		if err != nil {
			return failures, fmt.Errorf("unable to wait for events: %w", err)
		}
		if !ok {
			return failures, ErrTimeout
		}
		for i, l := range w.ls {
			for {
				n, err := l.ReadNow(buf)
				if err != nil {
					return failures, fmt.Errorf("unable to read events for %s: %w", w.dirs[i], err)
				}
				if n == 0 {
					break
				}
				data := append([]byte(nil), buf[:n]...)
				k, done := w.applyChunk(chunk{i: i, data: data}, want, or)
				failures += k
				if done {
					return failures, nil
				}
			}
		}
	}
}

// WaitRestart waits for every service (or, with or, at least one) to
// restart: to pass through the state first (down, or down and ready) and,
// after that, to be in the state want. Each service is followed on its own,
// so services that come back up at once, before the others went down,
// still count; a service already in state first when subscribed has passed
// through it. Failures are counted as in Wait.
func (w *Watcher) WaitRestart(first, want Want, or bool, deadline time.Time) (failures int, err error) {
	defer w.followRestart(first)()
	return w.Wait(want, or, deadline)
}

// WaitRestartAbort is WaitRestart that also ends, with ErrAborted, when
// abort is closed.
func (w *Watcher) WaitRestartAbort(first, want Want, or bool, deadline time.Time, abort <-chan struct{}) (failures int, err error) {
	defer w.followRestart(first)()
	return w.WaitAbort(want, or, deadline, abort)
}

// followRestart makes the next wait count a service only once it has
// passed through first; the function returned ends that.
func (w *Watcher) followRestart(first Want) func() {
	w.first = &first
	w.passed = make([]bool, len(w.up))
	for i := range w.passed {
		w.passed[i] = w.in(i, first)
	}
	return func() { w.first, w.passed = nil, nil }
}

// applyChunk applies event bytes in order until the condition holds; the
// bytes after that point are kept for the next Wait.
func (w *Watcher) applyChunk(c chunk, want Want, or bool) (failures int, done bool) {
	for k, b := range c.data {
		if w.apply(c.i, b, want) {
			failures++
		}
		if w.got(want, or) {
			w.pending = chunk{i: c.i, data: c.data[k+1:]}
			return failures, true
		}
	}
	return failures, false
}

// WaitAbort is Wait that also gives up with ErrAborted when abort is closed
// (a nil abort never fires).
func (w *Watcher) WaitAbort(want Want, or bool, deadline time.Time, abort <-chan struct{}) (failures int, err error) {
	if w.got(want, or) {
		return 0, nil
	}
	if err := w.start(); err != nil {
		return 0, err
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	for {
		c := w.pending
		w.pending = chunk{}
		if len(c.data) == 0 {
			select {
			case <-timeout:
				return failures, ErrTimeout
			case <-abort:
				return failures, ErrAborted
			case c = <-w.events:
			}
			if c.err != nil {
				return failures, fmt.Errorf("unable to read events for %s: %w", w.dirs[c.i], c.err)
			}
		}
		n, done := w.applyChunk(c, want, or)
		failures += n
		if done {
			return failures, nil
		}
	}
}

// State reports the current view of service i (for tests and messages).
func (w *Watcher) State(i int) (up, ready bool) { return w.up[i], w.ready[i] }
