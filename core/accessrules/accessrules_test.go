package accessrules

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"s6box/core/cdb"
)

// mapBackend is a Backend from a map, recording the keys asked.
type mapBackend struct {
	rules map[string]Result
	asked []string
}

func (m *mapBackend) Lookup(key string) (Result, Params, error) {
	m.asked = append(m.asked, key)
	return m.rules[key], Params{}, nil
}

func TestKeyOrder(t *testing.T) {
	b := &mapBackend{}
	if r, _, _ := CheckUIDGID(b, 5, 6, 5, 6); r != NotFound {
		t.Errorf("empty rules: %v", r)
	}
	want := []string{"uid/self", "uid/5", "gid/self", "gid/6", "uid/default"}
	if !reflect.DeepEqual(b.asked, want) {
		t.Errorf("asked %q", b.asked)
	}
	b = &mapBackend{}
	CheckUIDGID(b, 5, 6, 0, 0)
	if want := []string{"uid/5", "gid/6", "uid/default"}; !reflect.DeepEqual(b.asked, want) {
		t.Errorf("asked %q", b.asked)
	}
	b = &mapBackend{rules: map[string]Result{"uid/5": Deny, "gid/6": Allow}}
	if r, _, _ := CheckUIDGID(b, 5, 6, 0, 0); r != Deny {
		t.Errorf("the first rule found decides: %v", r)
	}
}

func TestDirAndCDBAgree(t *testing.T) {
	d := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(d, p)), 0o755)
		if err := os.WriteFile(filepath.Join(d, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("uid/1/allow", "")
	write("uid/1/env/A", "a value  \n2nd line")
	write("uid/1/env/B", "")
	write("uid/1/exec", "echo hi")
	write("uid/2/deny", "")
	write("uid/3/nothing", "")
	data, err := cdb.Bytes(func(w *cdb.Writer) error { return Compile(d, w, nil) })
	if err != nil {
		t.Fatal(err)
	}
	db, err := cdb.New(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"uid/1", "uid/2", "uid/3", "uid/4"} {
		r1, p1, e1 := Dir(d).Lookup(key)
		r2, p2, e2 := CDB{db}.Lookup(key)
		if r1 != r2 || !reflect.DeepEqual(p1.Changes(), p2.Changes()) || p1.Exec != p2.Exec || e1 != nil || e2 != nil {
			t.Errorf("%s: dir %v %+v %v, cdb %v %+v %v", key, r1, p1, e1, r2, p2, e2)
		}
	}
	_, p, _ := Dir(d).Lookup("uid/1")
	if string(p.Env) != "A=a value\x00B\x00" && string(p.Env) != "B\x00A=a value\x00" {
		t.Errorf("env %q", p.Env)
	}
	write("uid/9/allow", "")
	big := make([]byte, 3000)
	for i := range big {
		big[i] = 'x'
	}
	write("uid/9/env/X", string(big))
	write("uid/9/env/Y", string(big))
	_, err = cdb.Bytes(func(w *cdb.Writer) error { return Compile(d, w, nil) })
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("oversized env: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Allow, Params{Env: []byte("A=b\x00C\x00"), Exec: "echo"}))
	f.Add([]byte("D"))
	f.Add([]byte("A\x00\x05"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, p, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r == Allow {
			r2, p2, err := Decode(Encode(r, p))
			if err != nil || r2 != r || string(p2.Env) != string(p.Env) || p2.Exec != p.Exec {
				t.Fatalf("re-encoding changed %+v into %+v", p, p2)
			}
			p.Changes()
		}
	})
}
