package status

import (
	"bytes"
	"testing"
)

// FuzzDecode: status bytes from disk decode to a Status that encodes back
// to the same 35 bytes (the flag byte keeps its four defined bits), and
// anything shorter is ErrShort.
func FuzzDecode(f *testing.F) {
	f.Add(make([]byte, Size))
	f.Add(Status{PID: 42, Wstat: 15, WantUp: true, Ready: true, Finishing: true, Paused: true}.Encode())
	f.Add(append(bytes.Repeat([]byte{0xff}, Size), "extra"...))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if len(b) < Size {
			if err != ErrShort {
				t.Fatalf("%d bytes: %v", len(b), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte(nil), b[:Size]...)
		want[34] &= FlagPaused | FlagFinishing | FlagWantUp | FlagReady
		if got := s.Encode(); !bytes.Equal(got, want) {
			t.Fatalf("%x re-encodes as %x", want, got)
		}
		if s2, _ := Decode(s.Encode()); s2 != s {
			t.Fatalf("%+v decodes back as %+v", s, s2)
		}
	})
}

// FuzzDecodeDeaths: a tally whose length is a multiple of 14 decodes to
// records that encode back to the same bytes; any other length is empty.
func FuzzDecodeDeaths(f *testing.F) {
	f.Add([]byte{})
	f.Add(EncodeDeaths([]Death{{Code: 1}, {Code: 128 + 9, Sig: 9}}))
	f.Add(make([]byte, 13))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds := DecodeDeaths(b)
		if len(b)%DeathRecordSize != 0 {
			if ds != nil {
				t.Fatalf("%d bytes gave %d records", len(b), len(ds))
			}
			return
		}
		if len(ds) != len(b)/DeathRecordSize || !bytes.Equal(EncodeDeaths(ds), b) {
			t.Fatalf("%x: %d records re-encode as %x", b, len(ds), EncodeDeaths(ds))
		}
	})
}
