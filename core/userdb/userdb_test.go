package userdb

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLookupUser(t *testing.T) {
	p := write(t, "passwd", "# comment\n\nroot:x:0:0:root:/root:/bin/sh\nbad:x:notanumber:1::/:/bin/sh\nalice:x:1000:100:Alice:/home/a:/bin/sh\nshort:x:5\nbob:x:1001:1001::/:/bin/sh")
	u, err := LookupUser(p, "alice")
	if err != nil || u != (User{"alice", 1000, 100}) {
		t.Fatalf("alice: %+v %v", u, err)
	}
	if u, err := LookupUser(p, "bob"); err != nil || u.UID != 1001 {
		t.Fatalf("bob without final newline: %+v %v", u, err)
	}
	for _, n := range []string{"bad", "short", "nobody", "", "# comment"} {
		if _, err := LookupUser(p, n); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: want ErrNotFound, got %v", n, err)
		}
	}
	if _, err := LookupUser(filepath.Join(t.TempDir(), "none"), "x"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
}

// The by-id lookups (svperms names a gid's group, a uid's primary group).
func TestLookupByID(t *testing.T) {
	pw := write(t, "passwd", "bad:x:zz:1::/:/bin/sh\nalice:x:1000:100::/:/bin/sh\nalias:x:1000:7::/:/bin/sh\n")
	if u, err := LookupUserID(pw, 1000); err != nil || u.Name != "alice" || u.GID != 100 {
		t.Errorf("uid 1000: %+v %v (want the first entry)", u, err)
	}
	if _, err := LookupUserID(pw, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("uid 0: %v", err)
	}
	gr := write(t, "group", "broken:x:zz:\nstaff:x:50:a\nstaff2:x:50:\n")
	if g, err := LookupGroupID(gr, 50); err != nil || g.Name != "staff" {
		t.Errorf("gid 50: %+v %v", g, err)
	}
	if _, err := LookupGroupID(gr, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("gid 0: %v", err)
	}
}

func TestGroups(t *testing.T) {
	p := write(t, "group", "root:x:0:\nwheel:x:10:alice,bob\nusers:x:100:\naudio:x:29:carol,alice\nbroken:x:zz:alice\n")
	g, err := LookupGroup(p, "wheel")
	if err != nil || g.GID != 10 || !reflect.DeepEqual(g.Members, []string{"alice", "bob"}) {
		t.Fatalf("wheel: %+v %v", g, err)
	}
	if _, err := LookupGroup(p, "broken"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("broken gid must not match: %v", err)
	}
	gids, err := SupplementaryGroups(p, "alice")
	if err != nil || !reflect.DeepEqual(gids, []int{10, 29}) {
		t.Fatalf("alice groups %v %v", gids, err)
	}
	gids, err = SupplementaryGroups(p, "nobody")
	if err != nil || len(gids) != 0 {
		t.Fatalf("nobody groups %v %v", gids, err)
	}
}

func FuzzLookup(f *testing.F) {
	f.Add("root:x:0:0::/:/bin/sh\n", "root")
	f.Fuzz(func(t *testing.T, content, name string) {
		p := filepath.Join(t.TempDir(), "db")
		os.WriteFile(p, []byte(content), 0o644)
		LookupUser(p, name)
		LookupGroup(p, name)
		SupplementaryGroups(p, name)
	})
}
