package status

import (
	"bytes"
	"encoding/hex"
	"os"
	"testing"

	"s6box/core/tai64n"
)

func TestDecodeVerifiedExample(t *testing.T) {
	// From the spec: service killed by SIGTERM, down, ready.
	raw, _ := hex.DecodeString("400000006b03fdb6036d6b5b" + "400000006b03fdb603c49407" + "0000000000000000" + "000f" + "08")
	s, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if s.Up() || !s.Ready || s.WantUp || !s.Signaled() || s.Signal() != 15 {
		t.Fatalf("%+v", s)
	}
	if !bytes.Equal(s.Encode(), raw) {
		t.Fatal("re-encoding differs")
	}
	if _, err := Decode(raw[:34]); err != ErrShort {
		t.Fatal("short file accepted")
	}
}

func TestFlagsAndExit(t *testing.T) {
	s := Status{PID: 42, Finishing: true, WantUp: true, Wstat: 3 << 8}
	if s.Encode()[34] != 0x06 || s.Up() || s.Signaled() || s.ExitCode() != 3 {
		t.Fatalf("%x", s.Encode())
	}
}

func TestDeathTally(t *testing.T) {
	svc := t.TempDir()
	sup := svc + "/supervise"
	if err := os.Mkdir(sup, 0o700); err != nil {
		t.Fatal(err)
	}
	st := tai64n.Stamp{Sec: 0x4000000000000001, Nano: 2}
	for i := 0; i < 5; i++ {
		if err := AppendDeath(sup, DeathFromWstat(st, uint16(i)<<8), 2); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := ReadDeaths(svc)
	if err != nil || len(ds) != 2 || ds[0].Code != 3 || ds[1].Code != 4 {
		t.Fatalf("kept %v %v", ds, err)
	}
	b := EncodeDeaths([]Death{DeathFromWstat(st, 15)})
	if b[12] != 0x8f || b[13] != 0x0f {
		t.Fatalf("SIGTERM record %x", b)
	}
	if DecodeDeaths(b[:13]) != nil {
		t.Fatal("bad length accepted")
	}
}
