// Package ftrigwait waits for patterns of events on fifodirs, as s6's
// s6-ftrigrd does for s6-ftrig-wait and s6-ftrig-listen: each subscription
// accumulates the event bytes it reads and, after each read, matches its
// pattern against them as regexec does with REG_NOTBOL|REG_NOTEOL (so ^
// and $ never match); it is satisfied by the leftmost-longest match, whose
// last byte is kept.
package ftrigwait

import (
	"errors"
	"fmt"
	"time"

	"s6box/core/ftrig"
)

// Matcher is a compiled pattern (the applets pass POSIX EREs): MatchEnd
// returns where the leftmost-longest match in b ends, ^ and $ not
// matching at b's ends when notEnds.
type Matcher interface {
	MatchEnd(b []byte, notEnds bool) (end int, ok bool)
}

// ErrTimeout is returned by Wait when the deadline passes first.
var ErrTimeout = errors.New("timed out")

// SubscribeError is a failure to subscribe to one fifodir.
type SubscribeError struct {
	Dir string
	Err error
}

func (e *SubscribeError) Error() string {
	return fmt.Sprintf("unable to subscribe to %s: %v", e.Dir, e.Err)
}

func (e *SubscribeError) Unwrap() error { return e.Err }

// maxHistory bounds the event bytes kept per subscription: older bytes are
// dropped, so a fifodir flooded with events that never match costs bounded
// memory and matching time.
const maxHistory = 4096

type sub struct {
	l    *ftrig.Listener
	re   Matcher
	seen []byte
	done bool
	last byte
}

// Waiter holds subscriptions to fifodirs.
type Waiter struct {
	subs []*sub
}

// Subscribe subscribes to each dirs[i] with pattern res[i]. On failure the
// subscriptions made so far are removed.
func Subscribe(dirs []string, res []Matcher) (*Waiter, error) {
	if len(dirs) != len(res) {
		return nil, errors.New("ftrigwait: one pattern per fifodir")
	}
	w := &Waiter{}
	for i, d := range dirs {
		l, err := ftrig.Subscribe(d)
		if err != nil {
			w.Close()
			return nil, &SubscribeError{Dir: d, Err: err}
		}
		w.subs = append(w.subs, &sub{l: l, re: res[i]})
	}
	return w, nil
}

// Wait reads events until every subscription (all) or one of them (!all)
// is satisfied, or until deadline (zero: none) passes.
func (w *Waiter) Wait(all bool, deadline time.Time) error {
	for {
		if err := w.drain(); err != nil {
			return err
		}
		if w.satisfied(all) {
			return nil
		}
		var fds []int
		for _, s := range w.subs {
			if !s.done {
				fds = append(fds, s.l.Fd())
			}
		}
		ok, err := ftrig.WaitReadable(fds, deadline)
		if err != nil {
			return fmt.Errorf("unable to wait for events: %w", err)
		}
		if !ok {
			return ErrTimeout
		}
	}
}

func (w *Waiter) satisfied(all bool) bool {
	n := 0
	for _, s := range w.subs {
		if s.done {
			n++
		}
	}
	if all {
		return n == len(w.subs)
	}
	return n > 0
}

// drain reads what is waiting on every unsatisfied subscription.
func (w *Waiter) drain() error {
	var buf [256]byte
	for _, s := range w.subs {
		for !s.done {
			n, err := s.l.ReadNow(buf[:])
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			s.feed(buf[:n])
		}
	}
	return nil
}

// feed adds the bytes of one read and matches.
func (s *sub) feed(b []byte) {
	s.seen = append(s.seen, b...)
	if len(s.seen) > maxHistory {
		s.seen = append(s.seen[:0], s.seen[len(s.seen)-maxHistory:]...)
	}
	if end, ok := s.re.MatchEnd(s.seen, true); ok && end > 0 {
		s.done, s.last = true, s.seen[end-1]
	}
}

// Last is the event byte that satisfied subscription i (0 if none did).
func (w *Waiter) Last(i int) byte { return w.subs[i].last }

// Close removes every subscription.
func (w *Waiter) Close() {
	for _, s := range w.subs {
		s.l.Close()
	}
	w.subs = nil
}
