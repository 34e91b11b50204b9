package applets

import "testing"

func TestIsMulticallName(t *testing.T) {
	for name, want := range map[string]bool{
		"s6box": true, "s6box-1.2": true, "s6box.static": true,
		"s6-svc": false, "s6boxer": false, "svc": false, "": false, "xs6box": false,
	} {
		if got := IsMulticallName(name); got != want {
			t.Errorf("IsMulticallName(%q) = %v, want %v", name, got, want)
		}
	}
}
