package cdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func sample(t testing.TB) []byte {
	b, err := Bytes(func(w *Writer) error {
		for i := 0; i < 300; i++ {
			if err := w.Add([]byte(fmt.Sprintf("uid/%d", i)), []byte(fmt.Sprintf("value %d", i))); err != nil {
				return err
			}
		}
		w.Add([]byte("dup"), []byte("first"))
		w.Add([]byte("dup"), []byte("second"))
		return w.Add([]byte(""), []byte("empty key"))
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	db, err := New(sample(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		d, ok, err := db.Find([]byte(fmt.Sprintf("uid/%d", i)))
		if err != nil || !ok || string(d) != fmt.Sprintf("value %d", i) {
			t.Fatalf("uid/%d: %q %v %v", i, d, ok, err)
		}
	}
	if d, ok, _ := db.Find([]byte("dup")); !ok || string(d) != "first" {
		t.Errorf("dup: %q %v", d, ok)
	}
	if d, ok, _ := db.Find(nil); !ok || string(d) != "empty key" {
		t.Errorf("empty key: %q %v", d, ok)
	}
	if _, ok, err := db.Find([]byte("uid/300")); ok || err != nil {
		t.Errorf("absent key found: %v %v", ok, err)
	}
	n := 0
	if err := db.Each(func(k, d []byte) error { n++; return nil }); err != nil || n != 303 {
		t.Errorf("Each: %d records, %v", n, err)
	}
}

func TestBuildFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.cdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = Build(f, func(w *Writer) error { return w.Add([]byte("k"), []byte("v")) })
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok, err := db.Find([]byte("k")); !ok || err != nil || string(d) != "v" {
		t.Errorf("find: %q %v %v", d, ok, err)
	}
	mem, _ := Bytes(func(w *Writer) error { return w.Add([]byte("k"), []byte("v")) })
	disk, _ := os.ReadFile(path)
	if string(mem) != string(disk) {
		t.Error("Build and Bytes differ")
	}
}

// TestCorrupt cuts a database short anywhere: errors, never a panic.
func TestCorrupt(t *testing.T) {
	b := sample(t)
	for _, cut := range []int{0, 100, 2047, 2048, 2060, len(b) - 1} {
		db, err := New(b[:cut])
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Errorf("cut %d: %v", cut, err)
			}
			continue
		}
		for i := 0; i < 300; i++ {
			db.Find([]byte(fmt.Sprintf("uid/%d", i)))
		}
		db.Each(func(k, d []byte) error { return nil })
	}
}

func FuzzReader(f *testing.F) {
	f.Add(sample(f), []byte("uid/7"))
	f.Add(make([]byte, 2048), []byte(""))
	f.Fuzz(func(t *testing.T, data, key []byte) {
		db, err := New(data)
		if err != nil {
			return
		}
		db.Find(key)
		db.Each(func(k, d []byte) error { return nil })
	})
}
