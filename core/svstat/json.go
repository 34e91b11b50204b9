package svstat

import (
	"time"

	"s6box/core/jsontext"
	"s6box/core/signame"
	"s6box/core/tai64n"
)

// Record is the JSON view of one service (`svstat --json`), an s6box
// extension. Times are given both as RFC 3339 (UTC) and as TAI64N text;
// a stamp RFC 3339 cannot express (a garbage status: a year outside
// 0000-9999, nanoseconds past 999999999) is null in RFC 3339 and kept in
// TAI64N.
type Record struct {
	Service      string  `json:"service"`
	State        string  `json:"state"` // "up", "down" or "finishing"
	PID          *uint64 `json:"pid"`   // run's pid when up, else null
	FinishPID    *uint64 `json:"finish_pid,omitempty"`
	Since        string  `json:"since"` // "" = null
	SinceTAI64N  string  `json:"since_tai64n"`
	Seconds      uint64  `json:"seconds"`
	Ready        bool    `json:"ready"`
	ReadySince   string  `json:"ready_since,omitempty"` // null when ReadyTAI64N is set
	ReadyTAI64N  string  `json:"ready_since_tai64n,omitempty"`
	WantedUp     bool    `json:"wanted_up"`
	NormallyUp   bool    `json:"normally_up"`
	Paused       bool    `json:"paused"`
	LastExitCode *int    `json:"last_exit_code"` // of the last death of run, or null
	LastSignal   *string `json:"last_signal"`
	Deaths       int     `json:"deaths"`
	// A start held back by restart-backoff (s6box), else all three absent.
	BackoffMS       *uint64 `json:"backoff_ms,omitempty"`
	NextStart       string  `json:"next_start,omitempty"` // null when NextStartTAI64N is set
	NextStartTAI64N string  `json:"next_start_tai64n,omitempty"`
}

// NewRecord builds the JSON view of in; deaths is the number of records in
// death_tally.
func NewRecord(service string, in Info, deaths int) Record {
	st := in.Status
	stamp := in.stamp()
	r := Record{
		Service:     service,
		State:       "down",
		Since:       rfc3339(stamp),
		SinceTAI64N: stamp.String(),
		Seconds:     elapsed(in.Now, stamp),
		Ready:       st.PID != 0 && !st.Finishing && st.Ready,
		WantedUp:    st.WantUp,
		NormallyUp:  in.NormallyUp,
		Paused:      st.Paused,
		Deaths:      deaths,
	}
	switch {
	case st.Up():
		r.State = "up"
		pid := st.PID
		r.PID = &pid
	case st.Finishing:
		r.State = "finishing"
		pid := st.PID
		r.FinishPID = &pid
	}
	if st.Ready {
		r.ReadySince = rfc3339(st.ReadyStamp)
		r.ReadyTAI64N = st.ReadyStamp.String()
	}
	if b := in.Backoff; b != nil {
		ms := uint64(b.Delay / time.Millisecond)
		r.BackoffMS = &ms
		r.NextStart = rfc3339(b.Next)
		r.NextStartTAI64N = b.Next.String()
	}
	// The wait status describes the last death of run. death_tally is
	// emptied at supervisor start, so with no record and a zero wait status
	// run has not died since (or never ran): no last exit information then.
	if deaths > 0 || st.Wstat != 0 {
		if signaled(st.Wstat) {
			s := "SIG" + signame.Name(termSig(st.Wstat))
			r.LastSignal = &s
		} else if exited(st.Wstat) {
			c := exitStatus(st.Wstat)
			r.LastExitCode = &c
		}
	}
	return r
}

// rfc3339 is the RFC 3339 text (UTC) of s, or "" when s is not a valid
// TAI64N label or its year has no four-digit form.
func rfc3339(s tai64n.Stamp) string {
	if s.Nano >= 1e9 {
		return ""
	}
	t := s.Time().UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// stringOrNull writes a member whose empty value is null.
func stringOrNull(w *jsontext.Writer, key, v string) {
	w.Key(key)
	if v == "" {
		w.Null()
		return
	}
	w.String(v)
}

// JSON renders r as one line of JSON (without the newline), members in the
// order of the struct, as encoding/json would.
func (r Record) JSON() ([]byte, error) {
	w := &jsontext.Writer{}
	w.BeginObject()
	w.StringMember("service", r.Service)
	w.StringMember("state", r.State)
	w.Key("pid")
	if r.PID != nil {
		w.Uint(*r.PID)
	} else {
		w.Null()
	}
	if r.FinishPID != nil {
		w.Key("finish_pid")
		w.Uint(*r.FinishPID)
	}
	stringOrNull(w, "since", r.Since)
	w.StringMember("since_tai64n", r.SinceTAI64N)
	w.Key("seconds")
	w.Uint(r.Seconds)
	w.BoolMember("ready", r.Ready)
	if r.ReadyTAI64N != "" {
		stringOrNull(w, "ready_since", r.ReadySince)
		w.StringMember("ready_since_tai64n", r.ReadyTAI64N)
	}
	w.BoolMember("wanted_up", r.WantedUp)
	w.BoolMember("normally_up", r.NormallyUp)
	w.BoolMember("paused", r.Paused)
	w.Key("last_exit_code")
	if r.LastExitCode != nil {
		w.Int(int64(*r.LastExitCode))
	} else {
		w.Null()
	}
	w.Key("last_signal")
	if r.LastSignal != nil {
		w.String(*r.LastSignal)
	} else {
		w.Null()
	}
	w.IntMember("deaths", int64(r.Deaths))
	if r.BackoffMS != nil {
		w.Key("backoff_ms")
		w.Uint(*r.BackoffMS)
		stringOrNull(w, "next_start", r.NextStart)
		w.StringMember("next_start_tai64n", r.NextStartTAI64N)
	}
	w.EndObject()
	return w.B, nil
}
