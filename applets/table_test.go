package applets

import "testing"

// The binary no longer checks its table on every start; this test is what
// keeps two applets from claiming the same name.
func TestTableNamesAreUnique(t *testing.T) {
	if err := CheckTable(Table()); err != nil {
		t.Fatal(err)
	}
	for _, a := range Table() {
		if a.Name == "" || a.Main == nil {
			t.Errorf("applet %+v has no name or no main function", a.Name)
		}
		if Find(Table(), a.Name) == nil {
			t.Errorf("Find(%q) finds nothing", a.Name)
		}
	}
	bad := append(Table(), Applet{Name: "svc", Main: svcMain})
	if err := CheckTable(bad); err == nil {
		t.Error("a duplicate name was not reported")
	}
}
