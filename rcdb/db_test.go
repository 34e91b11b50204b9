package rcdb

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func small() *DB {
	return &DB{Version: FormatVersion, NLong: 2, Atoms: []Atom{
		{Name: RunnerName, Type: Longrun, Flags: FlagEssential, Consumer: -1, RDeps: []int{2}},
		{Name: FdholderName, Type: Longrun, Flags: FlagEssential, Consumer: -1},
		{Name: "o", Type: Oneshot, Consumer: -1, Deps: []int{0}, Argv: [3][]string{nil, {"true"}, nil}},
	}, Bundles: []NamedSet{{Name: "b", Atoms: []int{2}}}}
}

func TestEncodeDecode(t *testing.T) {
	b, err := small().Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b, "x")
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := d.Resolve("b"); !ok || len(l) != 1 || l[0] != 2 {
		t.Errorf("resolve b = %v %v", l, ok)
	}
	if _, ok := d.Resolve("nope"); ok {
		t.Error("resolved an unknown name")
	}
	bad := map[string]func(*DB){
		"cycle":          func(d *DB) { d.Atoms[0].Deps = []int{2}; d.Atoms[2].RDeps = []int{0} },
		"unmirrored":     func(d *DB) { d.Atoms[0].RDeps = nil },
		"out of range":   func(d *DB) { d.Atoms[2].Deps = []int{7} },
		"wrong order":    func(d *DB) { d.NLong = 3 },
		"duplicate name": func(d *DB) { d.Bundles[0].Name = "o" },
		"no runner":      func(d *DB) { d.Atoms[0].Name = "x" },
	}
	for name, mutate := range bad {
		d := small()
		mutate(d)
		b, _ := d.Encode()
		if _, err := Decode(b, "x"); err == nil || err.(*Error).Code != 4 {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	for _, s := range []string{"", "s6box-rcdb 2\nsha256 00\n{}", "s6box-rcdb 1\n", "other\n"} {
		if _, err := Decode([]byte(s), "x"); err == nil || !strings.Contains(err.Error(), "invalid service database in x") {
			t.Errorf("Decode(%q) = %v", s, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := small().Encode()
	f.Add(b)
	f.Add([]byte("s6box-rcdb 1\nsha256 x\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// accept the fuzzer's body under a valid header and checksum too
		if db, err := Decode(b, "f"); err == nil {
			if err := db.Check(); err != nil {
				t.Fatalf("decoded db fails check: %v", err)
			}
		}
		body := b
		hdr := []byte("s6box-rcdb 1\nsha256 ")
		sum := sha(body)
		full := append(append(append(hdr, sum...), '\n'), body...)
		if db, err := Decode(full, "f"); err == nil {
			for i := range db.Atoms {
				db.Resolve(db.Atoms[i].Name)
			}
		}
	})
}

func sha(b []byte) []byte {
	h := sha256.Sum256(b)
	return []byte(hex.EncodeToString(h[:]))
}
