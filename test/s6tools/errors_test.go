package s6tools

import (
	"testing"
)

// TestSystemErrorsLikeReal: a failing system call is reported in the C
// library's words, as s6 prints strerror ("No such file or directory",
// where Go's own text is "no such file or directory").
func TestSystemErrorsLikeReal(t *testing.T) {
	dir := t.TempDir()
	for _, c := range [][]string{
		{"s6-svc", "-d", "nonexistent"},
		{"s6-svscanctl", "-t", "nonexistent"},
		{"s6-svdt", "nonexistent"},
		{"s6-ipcclient", "/nonexistent/socket", "true"},
		{"s6-fdholder-list", "/nonexistent/socket"},
	} {
		same(t, dir, c[0], c[1:]...)
	}
}
