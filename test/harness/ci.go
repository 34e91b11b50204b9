package harness

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true, as .ci/run sets it):
// as root, with everything .ci/run installs, so a test that would skip for
// want of a tool, root or an implementation to compare with fails instead.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with the message, except in CI, where it fails.
func SkipOrFail(t testing.TB, format string, a ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("not skipped in CI: "+format, a...)
		return
	}
	t.Skipf(format, a...)
}

// NeedRoot skips the test unless it runs as root (failing in CI).
func NeedRoot(t testing.TB, why string) {
	t.Helper()
	if !IsRoot() {
		SkipOrFail(t, "needs root: %s", why)
	}
}

// NeedProgram returns the path of prog (looked up in PATH unless it
// contains a slash), skipping the test when it is missing (failing in CI);
// pkg names the Debian package that has it.
func NeedProgram(t testing.TB, prog, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		SkipOrFail(t, "%s not installed (Debian package %s)", prog, pkg)
	}
	return p
}

// Optional reports whether an implementation a test compares against,
// named what, is present: the caller adds it when it is, and goes on
// without it when it is not, except in CI, where that fails the test.
func Optional(t testing.TB, what string, present bool) bool {
	t.Helper()
	if !present && InCI() {
		t.Fatalf("%s is missing: CI installs it, and the comparison must not be dropped", what)
	}
	return present
}

// Exists reports whether a path exists (following symlinks).
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
