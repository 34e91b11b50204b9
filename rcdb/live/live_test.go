package live

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolveBootDB(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "compiled")
	os.Mkdir(db, 0o755)
	os.WriteFile(filepath.Join(db, "db"), []byte("s6box-rcdb 2\n"), 0o644)
	def := filepath.Join(db, "current")
	if p, ok := ResolveBootDB(def, false); !ok || p != db {
		t.Errorf("fallback: %q %v", p, ok)
	}
	if p, ok := ResolveBootDB(def, true); ok || p != def {
		t.Errorf("-c given: %q %v", p, ok)
	}
	os.Mkdir(def, 0o755)
	if p, ok := ResolveBootDB(def, false); ok || p != def {
		t.Errorf("existing default: %q %v", p, ok)
	}
	other := filepath.Join(dir, "x", "current")
	if p, ok := ResolveBootDB(other, false); ok || p != other {
		t.Errorf("parent not a db: %q %v", p, ok)
	}
}

func TestLockSharedExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	os.WriteFile(p, nil, 0o644)
	a, err := LockFile(p, false, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LockFile(p, false, false)
	if err != nil {
		t.Fatalf("two shared locks: %v", err)
	}
	if _, err := LockFile(p, true, false); err == nil {
		t.Fatal("exclusive lock granted while shared ones are held")
	}
	a.Close()
	b.Close()
	c, err := LockFile(p, true, false)
	if err != nil {
		t.Fatalf("exclusive after release: %v", err)
	}
	c.Close()
}
