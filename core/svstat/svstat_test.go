package svstat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"s6box/core/lock"
	"s6box/core/status"
	"s6box/core/tai64n"
)

const base = uint64(1) << 62

func at(sec uint64, nano uint32) tai64n.Stamp { return tai64n.Stamp{Sec: base + sec, Nano: nano} }

// The expected strings are those printed by Debian's s6-svstat 2.11.3.2 for
// the same status bytes.
func TestHuman(t *testing.T) {
	now := at(1000, 500)
	cases := []struct {
		name    string
		st      status.Status
		normUp  bool
		numeric bool
		want    string
	}{
		{"up", status.Status{Stamp: at(998, 0), PID: 1903, WantUp: true}, true, false,
			"up (pid 1903) 2 seconds"},
		{"up ready", status.Status{Stamp: at(965, 0), ReadyStamp: at(967, 0), PID: 1901, WantUp: true, Ready: true}, true, false,
			"up (pid 1901) 35 seconds, ready 33 seconds"},
		{"up normally down want down", status.Status{Stamp: at(981, 0), ReadyStamp: at(984, 0), PID: 7813, Ready: true}, false, false,
			"up (pid 7813) 19 seconds, normally down, want down, ready 16 seconds"},
		{"paused", status.Status{Stamp: at(985, 0), PID: 2224, WantUp: true, Paused: true}, true, false,
			"up (pid 2224) 15 seconds, paused"},
		{"sigterm", status.Status{Stamp: at(1000, 0), ReadyStamp: at(1000, 100), Wstat: 15, Ready: true}, true, false,
			"down (signal SIGTERM) 0 seconds, normally up, ready 0 seconds"},
		{"sigterm numeric", status.Status{Stamp: at(1000, 0), ReadyStamp: at(1000, 100), Wstat: 15, Ready: true}, true, true,
			"down (signal 15) 0 seconds, normally up, ready 0 seconds"},
		{"exit 3 down file", status.Status{Stamp: at(1000, 0), ReadyStamp: at(1000, 0), Wstat: 3 << 8, WantUp: true, Ready: true}, false, false,
			"down (exitcode 3) 0 seconds, want up, ready 0 seconds"},
		{"finishing", status.Status{Stamp: at(1000, 0), PID: 4242, Wstat: 9, WantUp: true, Finishing: true}, true, false,
			"down (signal SIGKILL) 0 seconds, normally up, want up"},
		{"never started", status.Status{Stamp: at(998, 0), ReadyStamp: at(998, 0), Ready: true}, false, false,
			"down (exitcode 0) 2 seconds, ready 2 seconds"},
		{"stopped wstat", status.Status{Stamp: at(900, 0), Wstat: 0x7f}, true, false,
			"down (exitcode 0) 100 seconds, normally up"},
		{"core dumped", status.Status{Stamp: at(900, 0), Wstat: 0x80 | 11}, true, false,
			"down (signal SIGSEGV) 100 seconds, normally up"},
		{"realtime signal", status.Status{Stamp: at(900, 0), Wstat: 40}, true, false,
			"down (signal SIG???) 100 seconds, normally up"},
		{"future stamp clamped", status.Status{Stamp: at(1100, 0), PID: 1234, WantUp: true, Paused: true}, true, false,
			"up (pid 1234) 0 seconds, paused"},
		{"future ready stamp wraps", status.Status{Stamp: at(1100, 0), ReadyStamp: at(1100, 500), PID: 1234, WantUp: true, Ready: true}, true, false,
			"up (pid 1234) 0 seconds, ready 18446744073709551516 seconds"},
	}
	for _, c := range cases {
		got := Human(Info{Status: c.st, NormallyUp: c.normUp, Now: now}, c.numeric)
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestHumanFromBytes(t *testing.T) {
	// A status file written by s6-supervise 2.11: killed by SIGTERM, down and
	// ready.
	raw := []byte{
		0x40, 0, 0, 0, 0x6b, 0x03, 0xfd, 0xb6, 0x03, 0x6d, 0x6b, 0x5b,
		0x40, 0, 0, 0, 0x6b, 0x03, 0xfd, 0xb6, 0x03, 0xc4, 0x94, 0x07,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x0f,
		0x08,
	}
	st, err := status.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	now := tai64n.Stamp{Sec: 0x400000006b03fdb6 + 7, Nano: 0x036d6b5b}
	got := Human(Info{Status: st, NormallyUp: true, Now: now}, false)
	if want := "down (signal SIGTERM) 7 seconds, normally up, ready 6 seconds"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestParseFieldsQuirks(t *testing.T) {
	cases := []struct {
		arg  string
		want []Field
		err  string
	}{
		{"up,wantedup,pid", []Field{FieldUp, FieldWantedUp, FieldPID}, ""},
		{"u,re,pi,updown", []Field{FieldUp, FieldReady, FieldPID, FieldUpDownSince}, ""},
		{"r", []Field{FieldReady}, ""},
		{"p", []Field{FieldPaused}, ""},
		{"s", []Field{FieldSignal}, ""},
		{"e", []Field{FieldExitCode}, ""},
		{"n", []Field{FieldNormallyUp}, ""},
		{"readyf", []Field{FieldReadyFor}, ""},
		{"up,", []Field{FieldUp}, ""},
		{"", nil, ""},
		{",up", nil, "invalid null option field"},
		{"up,,pid", nil, "invalid null option field"},
		{"upx", nil, "invalid option field: upx"},
		{"wantedupX", nil, "invalid option field: wantedupX"},
		{"pgid", nil, "invalid option field: pgid"},
		{"up,up,up,up,up,up,up,up,up,up,up,up,up,up,up,up", []Field{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ""},
		{"up,up,up,up,up,up,up,up,up,up,up,up,up,up,up,up,up", nil, "too many option fields"},
	}
	for _, c := range cases {
		got, err := ParseFields(c.arg, nil)
		if c.err != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Msg != c.err {
				t.Errorf("%q: err %v, want %q", c.arg, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.arg, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: got %v want %v", c.arg, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: got %v want %v", c.arg, got, c.want)
				break
			}
		}
	}
}

func TestFieldValues(t *testing.T) {
	now := at(1000, 0)
	all, err := ParseFields("up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownfor,readyfor", nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		st     status.Status
		normUp bool
		want   string
	}{
		// Verified on 2.11: up, ready, normally up.
		{status.Status{Stamp: at(998, 0), ReadyStamp: at(1000, 0), PID: 2283, WantUp: true, Ready: true}, true,
			"true true true true false 2283 -1 NA -1 2 0"},
		{status.Status{Stamp: at(990, 0), ReadyStamp: at(995, 0), Wstat: 15, Ready: true}, false,
			"false false false false false -1 -1 SIGTERM 15 10 5"},
		{status.Status{Stamp: at(990, 0), ReadyStamp: at(0, 0), Wstat: 3 << 8, WantUp: true}, true,
			"false true true false false -1 3 NA -1 10 1000"},
		// finishing: pid is finish's, ready is pid≠0 ∧ flag.
		{status.Status{Stamp: at(990, 0), ReadyStamp: at(0, 0), PID: 77, Wstat: 9, WantUp: true, Finishing: true}, true,
			"false true true false false -1 -1 SIGKILL 9 10 1000"},
		{status.Status{Stamp: at(900, 0), ReadyStamp: at(0, 0), Wstat: 0x7f}, true,
			"false false true false false -1 -1 NA -1 100 1000"},
	}
	for _, c := range cases {
		got := Fields(Info{Status: c.st, NormallyUp: c.normUp, Now: now}, all)
		if got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
	st := status.Status{Stamp: at(998, 7), ReadyStamp: at(999, 8), PID: 1}
	got := Fields(Info{Status: st, Now: now}, []Field{FieldUpDownSince, FieldReadySince})
	if want := "@40000000000003e600000007 @40000000000003e700000008"; got != want {
		t.Errorf("since fields: got %q want %q", got, want)
	}
}

func TestLetters(t *testing.T) {
	want := map[byte]string{'u': "up", 'w': "wantedup", 'N': "normallyup", 'r': "ready", 'p': "pid", 'e': "exitcode", 's': "signal", 't': "updownfor"}
	for c, name := range want {
		f, ok := LetterField(c)
		if !ok || fieldName(f) != name {
			t.Errorf("-%c: %v %q", c, ok, fieldName(f))
		}
	}
	if _, ok := LetterField('d'); ok {
		t.Error("-d accepted")
	}
}

func TestJSON(t *testing.T) {
	now := at(1000, 0)
	in := Info{Status: status.Status{Stamp: at(990, 0), ReadyStamp: at(995, 0), PID: 321, WantUp: true, Ready: true}, NormallyUp: true, Now: now}
	b, err := NewRecord("sv/a", in, 2).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	checks := map[string]any{
		"service": "sv/a", "state": "up", "pid": float64(321), "ready": true, "wanted_up": true,
		"normally_up": true, "paused": false, "deaths": float64(2), "seconds": float64(10),
		"since_tai64n": at(990, 0).String(), "last_exit_code": float64(0), "last_signal": nil,
	}
	for k, v := range checks {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v (%s)", k, m[k], v, b)
		}
	}
	if m["since"] != "1970-01-01T00:15:53Z" { // 990 − 37 leap seconds
		t.Errorf("since = %v", m["since"])
	}

	in = Info{Status: status.Status{Stamp: at(990, 0), PID: 55, Wstat: 9, Finishing: true}, Now: now}
	b, _ = NewRecord("x", in, 0).JSON()
	m = nil
	json.Unmarshal(b, &m)
	if m["state"] != "finishing" || m["pid"] != nil || m["finish_pid"] != float64(55) || m["last_signal"] != "SIGKILL" || m["last_exit_code"] != nil {
		t.Errorf("finishing record: %s", b)
	}
	// Never started (down, wstat 0, empty tally): no last exit info.
	in = Info{Status: status.Status{Stamp: at(990, 0), ReadyStamp: at(990, 0), Ready: true}, Now: now}
	b, _ = NewRecord("x", in, 0).JSON()
	m = nil
	json.Unmarshal(b, &m)
	if m["last_exit_code"] != nil || m["last_signal"] != nil || m["state"] != "down" {
		t.Errorf("never started record: %s", b)
	}
	// Down after exit 3 with max-death-tally 0: the wait status still tells.
	in = Info{Status: status.Status{Stamp: at(990, 0), Wstat: 3 << 8}, Now: now}
	b, _ = NewRecord("x", in, 0).JSON()
	m = nil
	json.Unmarshal(b, &m)
	if m["last_exit_code"] != float64(3) {
		t.Errorf("exit 3 record: %s", b)
	}
	// Up with no death since the supervisor started: no last exit info.
	in = Info{Status: status.Status{Stamp: at(990, 0), PID: 5, WantUp: true}, Now: now}
	b, _ = NewRecord("x", in, 0).JSON()
	m = nil
	json.Unmarshal(b, &m)
	if m["last_exit_code"] != nil || m["last_signal"] != nil {
		t.Errorf("fresh up record: %s", b)
	}
}

// Record.JSON is hand-written (no encoding/json in the binary): it must give
// the bytes json.Marshal gives for the same record, odd names included.
func TestJSONBytesMatchEncodingJSON(t *testing.T) {
	now := at(1000, 0)
	ins := []Info{
		{Status: status.Status{Stamp: at(990, 5), ReadyStamp: at(995, 0), PID: 321, WantUp: true, Ready: true}, NormallyUp: true, Now: now},
		{Status: status.Status{Stamp: at(990, 0), PID: 55, Wstat: 9, Finishing: true, Paused: true}, Now: now},
		{Status: status.Status{Stamp: at(990, 0), Wstat: 3 << 8}, Now: now},
	}
	ins = append(ins, Info{Status: status.Status{Stamp: at(990, 0), ReadyStamp: at(990, 0), Wstat: 1 << 8, WantUp: true, Ready: true},
		Backoff: &status.Backoff{Next: at(1007, 500), Delay: 16 * time.Second}, Now: now})
	for i, in := range ins {
		for _, name := range []string{"sv/a", "<&>\"\\\n\u2028\xff"} {
			r := NewRecord(name, in, i)
			got, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(r)
			if string(got) != string(want) {
				t.Errorf("record %d %q:\n got %s\nwant %s", i, name, got, want)
			}
		}
	}
}

// TestJSONGarbageStamps: a garbage status (stamps far outside what RFC 3339
// can write, nanoseconds out of range) gives null RFC 3339 times, the
// TAI64N text kept, and valid JSON; a sane stamp is unchanged.
func TestJSONGarbageStamps(t *testing.T) {
	now := at(1000, 0)
	cases := []struct {
		stamp, ready tai64n.Stamp
	}{
		{tai64n.Stamp{Sec: 0}, tai64n.Stamp{Sec: ^uint64(0), Nano: ^uint32(0)}},
		{tai64n.Stamp{Sec: 1 << 40}, tai64n.Stamp{Sec: (1 << 62) + 300000000000}},
		{at(990, 2e9), at(995, 1e9)},
	}
	for _, c := range cases {
		in := Info{Status: status.Status{Stamp: c.stamp, ReadyStamp: c.ready, Ready: true}, Now: now}
		b, err := NewRecord("x", in, 0).JSON()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if m["since"] != nil || m["ready_since"] != nil {
			t.Errorf("%+v: since %v, ready_since %v, want null: %s", c, m["since"], m["ready_since"], b)
		}
		if _, ok := m["ready_since"]; !ok || m["ready_since_tai64n"] != c.ready.String() || m["since_tai64n"] != c.stamp.String() {
			t.Errorf("%+v: TAI64N text lost: %s", c, b)
		}
	}
	in := Info{Status: status.Status{Stamp: at(990, 0), ReadyStamp: at(995, 0), Ready: true}, Now: now}
	b, _ := NewRecord("x", in, 0).JSON()
	if !strings.Contains(string(b), `"since":"1970-01-01T00:15:53Z"`) || !strings.Contains(string(b), `"ready_since":"1970-01-01T00:15:58Z"`) {
		t.Errorf("sane stamps: %s", b)
	}
}

// restart-backoff (s6box): the human line gains a clause at its end, and
// only when supervise/backoff holds a pending start.
func TestHumanBackoff(t *testing.T) {
	now := at(1000, 500)
	st := status.Status{Stamp: at(997, 0), ReadyStamp: at(997, 0), Wstat: 1 << 8, WantUp: true, Ready: true}
	plain := "down (exitcode 1) 3 seconds, normally up, want up, ready 3 seconds"
	if got := Human(Info{Status: st, NormallyUp: true, Now: now}, false); got != plain {
		t.Fatalf("without backoff: %q", got)
	}
	for _, c := range []struct {
		next tai64n.Stamp
		want uint64
	}{{at(1016, 500), 16}, {at(1016, 501), 17}, {at(1016, 499), 16}, {at(1000, 501), 1}, {at(1000, 500), 0}, {at(990, 0), 0}} {
		in := Info{Status: st, NormallyUp: true, Now: now, Backoff: &status.Backoff{Next: c.next, Delay: 16 * time.Second}}
		want := plain + ", backing off, next start in " + strconv.FormatUint(c.want, 10) + " seconds"
		if got := Human(in, false); got != want {
			t.Errorf("next %v:\n got %q\nwant %q", c.next, got, want)
		}
	}
}

func TestJSONBackoff(t *testing.T) {
	now := at(1000, 0)
	st := status.Status{Stamp: at(997, 0), ReadyStamp: at(997, 0), Wstat: 1 << 8, WantUp: true, Ready: true}
	b, _ := NewRecord("x", Info{Status: st, NormallyUp: true, Now: now}, 3).JSON()
	if strings.Contains(string(b), "backoff") || strings.Contains(string(b), "next_start") {
		t.Fatalf("without backoff: %s", b)
	}
	in := Info{Status: st, NormallyUp: true, Now: now, Backoff: &status.Backoff{Next: at(1008, 0), Delay: 8 * time.Second}}
	b, _ = NewRecord("x", in, 3).JSON()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	// 1008 − 37 leap seconds = 971 s after the epoch
	if m["backoff_ms"] != float64(8000) || m["next_start"] != "1970-01-01T00:16:11Z" || m["next_start_tai64n"] != at(1008, 0).String() {
		t.Fatalf("backoff record: %s", b)
	}
	in.Backoff.Next = tai64n.Stamp{Sec: ^uint64(0)}
	b, _ = NewRecord("x", in, 3).JSON()
	m = nil
	if err := json.Unmarshal(b, &m); err != nil || m["next_start"] != nil {
		t.Fatalf("garbage next start: %s %v", b, err)
	}
}

// Load reads supervise/backoff only for a service down and wanted up.
func TestLoadBackoff(t *testing.T) {
	dir := t.TempDir()
	sup := filepath.Join(dir, "supervise")
	os.Mkdir(sup, 0o700)
	lk, err := lock.Acquire(filepath.Join(sup, "lock"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	bo := status.Backoff{Next: at(1008, 0), Delay: 8 * time.Second}
	if err := status.WriteBackoff(sup, bo); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		st   status.Status
		want bool
	}{
		{status.Status{WantUp: true, Ready: true}, true},
		{status.Status{Ready: true}, false},
		{status.Status{PID: 7, WantUp: true}, false},
		{status.Status{PID: 7, WantUp: true, Finishing: true}, false},
	} {
		if err := status.Write(sup, c.st); err != nil {
			t.Fatal(err)
		}
		in, err := Load(dir, at(1000, 0))
		if err != nil {
			t.Fatal(err)
		}
		if (in.Backoff != nil) != c.want || (c.want && *in.Backoff != bo) {
			t.Errorf("status %+v: backoff %+v", c.st, in.Backoff)
		}
	}
	// a garbage supervise/backoff is an error, not a wrong line
	status.Write(sup, status.Status{WantUp: true, Ready: true})
	os.WriteFile(filepath.Join(sup, status.BackoffName), []byte("short"), 0o644)
	if _, err := Load(dir, at(1000, 0)); !errors.Is(err, status.ErrBackoffSize) {
		t.Fatalf("garbage backoff: %v", err)
	}
}
