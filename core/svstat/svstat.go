// Package svstat renders a service's supervise/status the way s6-svstat 2.11
// does: the human one-liner, the field mode (-uwNrpest, -o FIELDS) with its
// prefix-matching quirk, and, as an s6box extension, a JSON object.
package svstat

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"s6box/core/lock"
	"s6box/core/signame"
	"s6box/core/status"
	"s6box/core/tai64n"
)

// Info is everything the formats need: the decoded status, whether the
// service is normally up (no `down` file) and the time of the reading.
type Info struct {
	Status     status.Status
	NormallyUp bool
	Now        tai64n.Stamp
	// Backoff is the start held back by restart-backoff (an s6box
	// extension, supervise/backoff), or nil: always nil unless the status
	// says down and wanted up.
	Backoff *status.Backoff
}

// ErrNotRunning means supervise/lock is absent or not locked.
var ErrNotRunning = errors.New("s6-supervise not running")

// Load checks that a supervisor holds DIR/supervise/lock, reads the status
// and looks for DIR/down, as s6-svstat does. It returns ErrNotRunning
// (wrapped) when no supervisor runs.
func Load(dir string, now tai64n.Stamp) (Info, error) {
	locked, err := lock.IsLocked(filepath.Join(dir, "supervise", "lock"))
	if err != nil {
		return Info{}, fmt.Errorf("unable to check %s: %w", dir, err)
	}
	if !locked {
		return Info{}, fmt.Errorf("unable to read status for %s: %w", dir, ErrNotRunning)
	}
	st, err := status.Read(dir)
	if err != nil {
		return Info{}, fmt.Errorf("unable to read status for %s: %w", dir, err)
	}
	info := Info{Status: st, Now: now}
	if st.PID == 0 && st.WantUp {
		b, ok, err := status.ReadBackoff(dir)
		if err != nil {
			return Info{}, fmt.Errorf("unable to read the restart backoff of %s: %w", dir, err)
		}
		if ok {
			info.Backoff = &b
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "down")); err == nil {
		info.NormallyUp = false
	} else if errors.Is(err, os.ErrNotExist) {
		info.NormallyUp = true
	} else {
		return Info{}, fmt.Errorf("unable to access %s/down: %w", dir, err)
	}
	return info, nil
}

// elapsed is now − t in whole seconds, computed like skalibs' tain_sub on
// unsigned labels: a t in the future wraps around (s6-svstat clamps only the
// up/down stamp, not the ready stamp, and so do we).
func elapsed(now, t tai64n.Stamp) uint64 {
	s := now.Sec - t.Sec
	if now.Nano < t.Nano {
		s--
	}
	return s
}

// stamp is the up/down stamp clamped to now, as s6-svstat does.
func (in Info) stamp() tai64n.Stamp {
	st := in.Status.Stamp
	if st.Sec > in.Now.Sec || (st.Sec == in.Now.Sec && st.Nano > in.Now.Nano) {
		return in.Now
	}
	return st
}

// wait-status helpers with the exact meaning of the C macros.
func exited(w uint16) bool    { return w&0x7f == 0 }
func signaled(w uint16) bool  { return w&0x7f != 0 && w&0x7f != 0x7f }
func exitStatus(w uint16) int { return int(w>>8) & 0xff }
func termSig(w uint16) int    { return int(w & 0x7f) }

// Human is the default one-line format (without the newline). numeric is -n:
// signals as numbers.
func Human(in Info, numeric bool) string {
	st := in.Status
	up := st.Up()
	b := make([]byte, 0, 96)
	if up {
		b = append(b, "up (pid "...)
		b = strconv.AppendUint(b, st.PID, 10)
		b = append(b, ") "...)
	} else {
		b = append(b, "down ("...)
		if signaled(st.Wstat) {
			b = append(b, "signal "...)
			if numeric {
				b = strconv.AppendInt(b, int64(termSig(st.Wstat)), 10)
			} else {
				b = append(b, "SIG"...)
				b = append(b, signame.Name(termSig(st.Wstat))...)
			}
		} else {
			b = append(b, "exitcode "...)
			b = strconv.AppendInt(b, int64(exitStatus(st.Wstat)), 10)
		}
		b = append(b, ") "...)
	}
	b = strconv.AppendUint(b, elapsed(in.Now, in.stamp()), 10)
	b = append(b, " seconds"...)
	if up && !in.NormallyUp {
		b = append(b, ", normally down"...)
	}
	if !up && in.NormallyUp {
		b = append(b, ", normally up"...)
	}
	if up && st.Paused {
		b = append(b, ", paused"...)
	}
	if !up && st.WantUp {
		b = append(b, ", want up"...)
	}
	if up && !st.WantUp {
		b = append(b, ", want down"...)
	}
	if st.Ready {
		b = append(b, ", ready "...)
		b = strconv.AppendUint(b, elapsed(in.Now, st.ReadyStamp), 10)
		b = append(b, " seconds"...)
	}
	if in.Backoff != nil {
		// s6box: only a service with restart-backoff ever shows this
		b = append(b, ", backing off, next start in "...)
		b = strconv.AppendUint(b, until(in.Now, in.Backoff.Next), 10)
		b = append(b, " seconds"...)
	}
	return string(b)
}

// until is t − now in whole seconds rounded up, 0 when t is not later.
func until(now, t tai64n.Stamp) uint64 {
	if t.Sec < now.Sec || (t.Sec == now.Sec && t.Nano <= now.Nano) {
		return 0
	}
	s := t.Sec - now.Sec
	if t.Nano > now.Nano && s < ^uint64(0) {
		s++
	}
	return s
}
