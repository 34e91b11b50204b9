package rcdb

import (
	"os"
	"path/filepath"
	"sort"

	"s6box/core/fsutil"
)

// Exit codes of bundle edits, as s6-rc-bundle's.
const (
	CodeExists   = 1 // the name to add already exists
	CodeNotFound = 3 // a name to delete or a content name is unknown
	CodeInvalid  = 4 // the database is inconsistent
	CodeNotBdl   = 5 // the name is a service, not a bundle
)

// BundleAdd is one bundle to define: a name and the names (services or
// bundles) it stands for.
type BundleAdd struct {
	Name     string
	Contents []string
}

// EditBundles deletes the bundles del, then defines add, as s6-rc-bundle
// does on a compiled database: contents are resolved against the database
// as it was before the edit; force allows deleting unknown names and
// replacing existing bundles. what names the database in messages.
func (d *DB) EditBundles(del []string, add []BundleAdd, force bool, what string) error {
	isAtom := func(name string) bool {
		for _, a := range d.Atoms {
			if a.Name == name {
				return true
			}
		}
		return false
	}
	for _, b := range add {
		if _, ok := d.Resolve(b.Name); ok {
			if !force {
				return Errorf(CodeExists, "identifier %s already exists in database %s", b.Name, what)
			}
			if isAtom(b.Name) {
				return Errorf(CodeNotBdl, "identifier %s does not represent a bundle for database %s", b.Name, what)
			}
		}
	}
	for _, n := range del {
		if _, ok := d.Resolve(n); !ok {
			if !force {
				return Errorf(CodeNotFound, "identifier %s does not exist in database %s", n, what)
			}
			continue
		}
		if isAtom(n) {
			return Errorf(CodeNotBdl, "identifier %s does not represent a bundle for database %s", n, what)
		}
	}
	sets := make([][]int, len(add))
	for i, b := range add {
		seen := map[int]bool{}
		for _, n := range b.Contents {
			atoms, ok := d.Resolve(n)
			if !ok {
				return Errorf(CodeNotFound, "identifier %s does not exist in database %s", n, what)
			}
			for _, x := range atoms {
				if x < 0 || x >= len(d.Atoms) {
					return Errorf(CodeInvalid, "invalid database in %s", what)
				}
				seen[x] = true
			}
		}
		set := make([]int, 0, len(seen))
		for x := range seen {
			set = append(set, x)
		}
		sort.Ints(set)
		sets[i] = set
	}
	drop := map[string]bool{}
	for _, n := range del {
		drop[n] = true
	}
	for _, b := range add {
		drop[b.Name] = true
	}
	kept := d.Bundles[:0:0]
	for _, b := range d.Bundles {
		if !drop[b.Name] {
			kept = append(kept, b)
		}
	}
	for i, b := range add {
		kept = append(kept, NamedSet{Name: b.Name, Atoms: sets[i]})
	}
	d.Bundles = kept
	d.byName = nil
	return nil
}

// Save writes d as DIR/db, replacing the old file atomically (a new file
// synced to disk, then renamed over it).
func Save(dir string, d *DB) error {
	b, err := d.Encode()
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "db")
	tmp := p + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Errorf(111, "unable to open %s: %v", tmp, fsutil.Bare(err))
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return Errorf(111, "unable to write %s: %v", p, fsutil.Bare(err))
	}
	return nil
}
