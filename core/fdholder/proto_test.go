package fdholder

import (
	"errors"
	"testing"

	"s6box/core/tai64n"
)

func TestParseRequests(t *testing.T) {
	lim := tai64n.Stamp{Sec: 1 << 62, Nano: 5}
	store := appendID(append([]byte{'S'}, lim.Bytes()...), "sock")
	r, err := ParseRequest(store, 1)
	if err != nil || r.Op != OpStore || r.ID != "sock" || r.Limit != lim {
		t.Fatalf("store: %+v %v", r, err)
	}
	if _, err := ParseRequest(store, 0); !errors.Is(err, ErrProto) {
		t.Errorf("store without a descriptor: %v", err)
	}
	r, err = ParseRequest(appendID([]byte{'R', 1}, "x"), 0)
	if err != nil || !r.Delete || r.ID != "x" {
		t.Errorf("retrieve: %+v %v", r, err)
	}
	dump := appendEntry(appendEntry([]byte{'.'}, Entry{ID: "a", Limit: lim}), Entry{ID: "bb", Limit: lim})
	r, err = ParseRequest(dump, 2)
	if err != nil || len(r.Entries) != 2 || r.Entries[1].ID != "bb" || r.Entries[1].FD != 1 {
		t.Errorf("dump: %+v %v", r, err)
	}
	bad := [][]byte{
		nil, {'Z'}, {'L', 0}, {'?', 1}, {'!', 0, 0}, {'D', 3, 'a', 0},
		appendID([]byte{'D'}, "")[:2], {'R', 0, 1, 'x', 'y'}, dump[:len(dump)-1],
		append(append([]byte(nil), dump...), 0),
	}
	for _, b := range bad {
		if _, err := ParseRequest(b, 0); !errors.Is(err, ErrProto) {
			t.Errorf("%q: %v", b, err)
		}
	}
	if _, err := ParseRequest(dump, 3); !errors.Is(err, ErrProto) {
		t.Errorf("dump with an extra descriptor: %v", err)
	}
}

func FuzzParseRequest(f *testing.F) {
	lim := tai64n.Stamp{Sec: 1 << 62}
	f.Add(appendID(append([]byte{'S'}, lim.Bytes()...), "sock"), 1)
	f.Add(appendEntry([]byte{'.'}, Entry{ID: "a", Limit: lim}), 1)
	f.Add([]byte{'!', 0, 0, 1, 0}, 0)
	f.Add(appendID([]byte{'R', 0}, "x"), 0)
	f.Fuzz(func(t *testing.T, data []byte, nfds int) {
		if nfds < 0 || nfds > 300 {
			return
		}
		r, err := ParseRequest(data, nfds)
		if err != nil {
			if !errors.Is(err, ErrProto) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, e := range r.Entries {
			if CheckID(e.ID) != nil || e.FD >= nfds {
				t.Fatalf("bad entry %+v", e)
			}
		}
	})
}
