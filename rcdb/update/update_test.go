package update

import (
	"strings"
	"testing"

	"s6box/rcdb"
)

func testDB() *rcdb.DB {
	return &rcdb.DB{Version: 1, NLong: 3, Atoms: []rcdb.Atom{
		{Name: rcdb.RunnerName, Type: rcdb.Longrun, Consumer: -1},
		{Name: rcdb.FdholderName, Type: rcdb.Longrun, Consumer: -1},
		{Name: "a", Type: rcdb.Longrun, Consumer: -1},
		{Name: "b", Type: rcdb.Oneshot, Consumer: -1},
	}, Bundles: []rcdb.NamedSet{{Name: "bun", Atoms: []int{2, 3}}}}
}

func TestParseConv(t *testing.T) {
	db := testDB()
	m, err := ParseConv([]byte("# comment\na -> \"new a\" restart\n\nb restart\n"), db, "conv")
	if err != nil {
		t.Fatal(err)
	}
	if m[2].newName != "new a" || !m[2].restart || m[3].newName != "b" || !m[3].restart {
		t.Errorf("got %+v", m)
	}
	for in, code := range map[string]int{
		"nope -> x":       3,
		"bun -> x":        5,
		"a\na restart":    6,
		"a -> x\nb -> x":  6,
		"a frobnicate":    100,
		"a -> \"unclosed": 100,
	} {
		_, err := ParseConv([]byte(in), db, "conv")
		re, ok := err.(*rcdb.Error)
		if !ok || re.Code != code || !strings.Contains(re.Msg, "conv") {
			t.Errorf("ParseConv(%q) = %v, want code %d", in, err, code)
		}
	}
}
