package rcdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"reflect"
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
	for _, s := range []string{"", "s6box-rcdb 1\nsha256 00\n{}", "s6box-rcdb 2\n", "s6box-rcdb 2\nsha256 00\n{}", "other\n"} {
		if _, err := Decode([]byte(s), "x"); err == nil || !strings.Contains(err.Error(), "invalid service database in x") {
			t.Errorf("Decode(%q) = %v", s, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := small().Encode()
	f.Add(b)
	f.Add([]byte("s6box-rcdb 2\ncrc64 x\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// accept the fuzzer's body under a valid header and checksum too
		if db, err := Decode(b, "f"); err == nil {
			if err := db.Check(); err != nil {
				t.Fatalf("decoded db fails check: %v", err)
			}
		}
		body := b
		full := append([]byte("s6box-rcdb 2\n"+Checksum(body)+"\n"), body...)
		if db, err := Decode(full, "f"); err == nil {
			for i := range db.Atoms {
				db.Resolve(db.Atoms[i].Name)
			}
		}
	})
}

// The checksum line is CRC-64/ECMA over the JSON body, computed here
// independently of Encode; a damaged body or checksum is refused.
func TestChecksum(t *testing.T) {
	b, _ := small().Encode()
	hdr, rest, _ := bytes.Cut(b, []byte("\n"))
	sumLine, body, _ := bytes.Cut(rest, []byte("\n"))
	if string(hdr) != "s6box-rcdb 2" {
		t.Errorf("header %q", hdr)
	}
	want := crc64.Checksum(body, crc64.MakeTable(crc64.ECMA))
	var got uint64
	if n, err := fmt.Sscanf(string(sumLine), "crc64 %016x", &got); n != 1 || err != nil || got != want || len(sumLine) != 6+16 {
		t.Errorf("checksum line %q, want crc64 %016x", sumLine, want)
	}
	// the standard check value of CRC-64/XZ (the ECMA polynomial, reflected)
	if c := Checksum([]byte("123456789")); c != "crc64 995dc9bbdf1939fa" {
		t.Errorf("Checksum(123456789) = %s", c)
	}
	flip := func(i int) []byte {
		c := append([]byte{}, b...)
		c[i] ^= 0x20
		return c
	}
	for name, damaged := range map[string][]byte{
		"body":      flip(len(b) - 3),
		"checksum":  flip(len(hdr) + 1 + 6 + 3),
		"truncated": b[:len(b)-1],
	} {
		_, err := Decode(damaged, "some/db")
		if err == nil || err.(*Error).Code != 4 || err.Error() != "invalid service database in some/db: checksum mismatch (the file is corrupt)" {
			t.Errorf("%s damaged: %v", name, err)
		}
	}
}

// rich is a database with every member set, odd strings included.
func rich() *DB {
	d := small()
	d.Self = "/usr/bin/s6box <&>"
	d.Atoms = append(d.Atoms, Atom{Name: "l\u2028\"q\"\\", Type: Longrun, Flags: FlagRecommended, TimeoutDown: 7, TimeoutUp: 4294967295,
		Consumer: 1, Producers: []int{0}, Deps: []int{}, Argv: [3][]string{{}, {"a\tb", "\x01é\xff"}, nil}, Script: [3]string{"", "scripts/x", ""}})
	return d
}

// The db document is written by jsontext: it must be the bytes
// encoding/json wrote for format 2, and old files must decode the same.
func TestJSONMatchesEncodingJSON(t *testing.T) {
	for _, d := range []*DB{small(), rich(), {}} {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.marshal(); !bytes.Equal(got, want) {
			t.Errorf("marshal:\n got %s\nwant %s", got, want)
		}
		var viaStd, viaOurs DB
		if err := json.Unmarshal(want, &viaStd); err != nil {
			t.Fatal(err)
		}
		if err := viaOurs.unmarshal(want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(viaStd, viaOurs) {
			t.Errorf("unmarshal:\n got %+v\nwant %+v", viaOurs, viaStd)
		}
	}
}

func TestUnmarshalTypeErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`[]`:                              "not an object",
		`{"version":"2"}`:                 "version: a JSON string, not an integer",
		`{"atoms":[{"deps":[1,"x"]}]}`:    "atoms[0].deps[1]: a JSON string",
		`{"atoms":[{"flags":-1}]}`:        "atoms[0].flags",
		`{"bundles":[{"name":3}]}`:        "bundles[0].name",
		`{"atoms":[{"argv":[null,[1]]}]}`: "atoms[0].argv[1][0]",
		`{"atoms":[{"name":"a"}]`:         "unexpected end of input",
		`{"self":"\ud800x"} trailing`:     "after the document",
	} {
		var d DB
		err := d.unmarshal([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", doc, err, want)
		}
	}
}
