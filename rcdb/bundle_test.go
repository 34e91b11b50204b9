package rcdb

import (
	"errors"
	"testing"
)

func bundleDB() *DB {
	return &DB{
		Version: FormatVersion, NLong: 3,
		Atoms: []Atom{
			{Name: RunnerName, Type: Longrun, Consumer: -1},
			{Name: FdholderName, Type: Longrun, Consumer: -1},
			{Name: "L", Type: Longrun, Consumer: -1},
			{Name: "a", Type: Oneshot, Consumer: -1},
			{Name: "b", Type: Oneshot, Consumer: -1},
		},
		Bundles: []NamedSet{{Name: "B", Atoms: []int{3, 4}}},
	}
}

func TestEditBundles(t *testing.T) {
	d := bundleDB()
	// contents are resolved before the edit: C gets B's atoms although B goes
	if err := d.EditBundles([]string{"B"}, []BundleAdd{{Name: "C", Contents: []string{"B", "L", "a"}}}, false, "db"); err != nil {
		t.Fatal(err)
	}
	if got, ok := d.Resolve("C"); !ok || len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("C = %v %v", got, ok)
	}
	if _, ok := d.Resolve("B"); ok {
		t.Error("B still there")
	}
	for _, c := range []struct {
		del  []string
		add  []BundleAdd
		f    bool
		code int
	}{
		{nil, []BundleAdd{{Name: "C", Contents: []string{"a"}}}, false, CodeExists},
		{nil, []BundleAdd{{Name: "a", Contents: []string{"b"}}}, true, CodeNotBdl},
		{[]string{"nope"}, nil, false, CodeNotFound},
		{[]string{"L"}, nil, true, CodeNotBdl},
		{nil, []BundleAdd{{Name: "D", Contents: []string{"nope"}}}, false, CodeNotFound},
	} {
		var re *Error
		if err := d.EditBundles(c.del, c.add, c.f, "db"); !errors.As(err, &re) || re.Code != c.code {
			t.Errorf("%v %v: %v, want code %d", c.del, c.add, err, c.code)
		}
	}
	if err := d.EditBundles([]string{"nope"}, []BundleAdd{{Name: "C", Contents: []string{"b"}}}, true, "db"); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.Resolve("C"); len(got) != 1 || got[0] != 4 {
		t.Errorf("C replaced = %v", got)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	d := bundleDB()
	if err := Save(dir, d); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !got.IsBundle("B") || len(got.Atoms) != 5 {
		t.Errorf("loaded %+v", got)
	}
}
