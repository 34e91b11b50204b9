// Package rcdb is the s6-rc compiled service database: its in-memory model,
// its on-disk format (versioned, checksummed, written atomically) and the
// queries the rc tools make on it.
//
// On-disk layout of a compiled database directory:
//
//	lock          empty; readers take a shared fcntl lock on it
//	db            "s6box-rcdb 2\n" "crc64 <16 hex>\n" then a JSON document
//	              (written and read by core/jsontext, laid out as
//	              encoding/json did before); the checksum (CRC-64, ECMA
//	              polynomial) covers the JSON bytes: it catches corruption, it is no defence against
//	              deliberate tampering (whoever can write db can fix it up)
//	servicedirs/  one s6 service directory per longrun (internal ones too)
//	scripts/      oneshot scripts that start with "#!" (our extension),
//	              kept verbatim and run as executables
//
// The contract parts shared with s6-rc are the directory itself, lock and
// servicedirs/; db's content is ours.
package rcdb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"s6box/core/errtext"
	"s6box/core/fsutil"
)

// FormatVersion is the version of the db file; a reader refuses others.
// Version 1 had a SHA-256 checksum, version 2 a CRC-64.
const FormatVersion = 2

const magic = "s6box-rcdb"

// Service types.
const (
	Longrun = "longrun"
	Oneshot = "oneshot"
	Bundle  = "bundle"
)

// Flags of an atom.
const (
	FlagEssential   = 1 << 0
	FlagRecommended = 1 << 1
)

// Names of the internal longruns (always indices 0 and 1).
const (
	RunnerName   = "s6rc-oneshot-runner"
	FdholderName = "s6rc-fdholder"
)

// Script slots of a oneshot.
const (
	SlotDown   = 0
	SlotUp     = 1
	SlotReload = 2
)

// Atom is a longrun or a oneshot. Its index is its position in DB.Atoms:
// longruns first, then oneshots.
type Atom struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Flags       uint32      `json:"flags,omitempty"`
	TimeoutDown uint32      `json:"timeout_down,omitempty"` // ms, 0 = infinite
	TimeoutUp   uint32      `json:"timeout_up,omitempty"`
	Deps        []int       `json:"deps,omitempty"`  // direct dependencies, sorted
	RDeps       []int       `json:"rdeps,omitempty"` // direct dependents, sorted
	Consumer    int         `json:"consumer"`        // longrun fed by this one, -1 if none
	Producers   []int       `json:"producers,omitempty"`
	Argv        [3][]string `json:"argv,omitempty"`   // oneshot down, up, reload
	Script      [3]string   `json:"script,omitempty"` // oneshot "#!" scripts, relative to the db dir
}

// NamedSet is a bundle: a name resolving to a set of atoms.
type NamedSet struct {
	Name  string `json:"name"`
	Atoms []int  `json:"atoms"`
}

// DB is a compiled service database.
type DB struct {
	Version int        `json:"version"`
	NLong   int        `json:"nlong"`
	Atoms   []Atom     `json:"atoms"`
	Bundles []NamedSet `json:"bundles"`
	Self    string     `json:"self"` // executable the internal services run

	byName map[string][]int
}

// Error is an error with the exit code the tools use for it.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Errorf builds an *Error.
func Errorf(code int, format string, a ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, errtext.Args(a)...)}
}

// Resolve returns the atoms a name stands for (an atom is itself), or nil
// and false for an unknown name.
func (d *DB) Resolve(name string) ([]int, bool) {
	if d.byName == nil {
		d.byName = make(map[string][]int, len(d.Atoms)+len(d.Bundles))
		for i, a := range d.Atoms {
			d.byName[a.Name] = []int{i}
		}
		for _, b := range d.Bundles {
			d.byName[b.Name] = b.Atoms
		}
	}
	v, ok := d.byName[name]
	return v, ok
}

// IsBundle reports whether name is a bundle.
func (d *DB) IsBundle(name string) bool {
	for _, b := range d.Bundles {
		if b.Name == name {
			return true
		}
	}
	return false
}

// Encode serialises the db with its header and checksum.
func (d *DB) Encode() ([]byte, error) {
	body := d.marshal()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %d\n%s\n", magic, FormatVersion, Checksum(body))
	b.Write(body)
	return b.Bytes(), nil
}

// Checksum is the db file's checksum line (without its newline) for body:
// "crc64 " and the CRC-64/ECMA of body as 16 lowercase hex digits.
func Checksum(body []byte) string {
	return fmt.Sprintf("crc64 %016x", crc64ECMA(body))
}

// crc64Table is the CRC-64/ECMA-182 table (reflected polynomial), built on
// first use (safely from several goroutines): hash/crc64 builds its tables
// when the program starts, which every process of this binary would pay for.
var crc64Table = sync.OnceValue(func() *[256]uint64 {
	const poly = 0xC96C5795D7870F42
	t := new([256]uint64)
	for i := range t {
		crc := uint64(i)
		for j := 0; j < 8; j++ {
			if crc&1 == 1 {
				crc = crc>>1 ^ poly
			} else {
				crc >>= 1
			}
		}
		t[i] = crc
	}
	return t
})

// crc64ECMA is the CRC-64 of b with the ECMA polynomial, as
// hash/crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)) computes it.
func crc64ECMA(b []byte) uint64 {
	t := crc64Table()
	crc := ^uint64(0)
	for _, c := range b {
		crc = t[byte(crc)^c] ^ crc>>8
	}
	return ^crc
}

// Decode parses and validates a db file's bytes; what names the file in
// error messages.
func Decode(b []byte, what string) (*DB, error) {
	bad := func(format string, a ...any) error {
		return Errorf(4, "invalid service database in %s: %s", what, fmt.Sprintf(format, a...))
	}
	line1, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(line1, []byte(magic+" ")) {
		return nil, bad("not an s6box compiled database")
	}
	if string(line1) != fmt.Sprintf("%s %d", magic, FormatVersion) {
		return nil, bad("format %q, this program reads version %d", line1[len(magic)+1:], FormatVersion)
	}
	line2, body, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || !bytes.HasPrefix(line2, []byte("crc64 ")) {
		return nil, bad("missing checksum")
	}
	if string(line2) != Checksum(body) {
		return nil, bad("checksum mismatch (the file is corrupt)")
	}
	var d DB
	if err := d.unmarshal(body); err != nil {
		return nil, bad("%v", err)
	}
	if err := d.Check(); err != nil {
		return nil, bad("%v", err)
	}
	return &d, nil
}

// Check verifies the db's internal consistency: indices in range, types in
// order, dependency lists mirrored, no dependency cycle.
func (d *DB) Check() error {
	n := len(d.Atoms)
	if d.Version != FormatVersion {
		return fmt.Errorf("version %d", d.Version)
	}
	if d.NLong < 2 || d.NLong > n || d.Atoms[0].Name != RunnerName || d.Atoms[1].Name != FdholderName {
		return fmt.Errorf("bad atom table")
	}
	inRange := func(l []int) bool {
		for _, x := range l {
			if x < 0 || x >= n {
				return false
			}
		}
		return true
	}
	seen := map[string]bool{}
	for i, a := range d.Atoms {
		want := Longrun
		if i >= d.NLong {
			want = Oneshot
		}
		if a.Type != want || a.Name == "" || seen[a.Name] {
			return fmt.Errorf("bad atom %d", i)
		}
		seen[a.Name] = true
		if !inRange(a.Deps) || !inRange(a.RDeps) || !inRange(a.Producers) || a.Consumer < -1 || a.Consumer >= n {
			return fmt.Errorf("atom %s: index out of range", a.Name)
		}
		for _, j := range a.Deps {
			if !contains(d.Atoms[j].RDeps, i) {
				return fmt.Errorf("atom %s: forward and reverse dependencies differ", a.Name)
			}
		}
		for _, j := range a.RDeps {
			if !contains(d.Atoms[j].Deps, i) {
				return fmt.Errorf("atom %s: forward and reverse dependencies differ", a.Name)
			}
		}
	}
	for _, b := range d.Bundles {
		if !inRange(b.Atoms) || seen[b.Name] {
			return fmt.Errorf("bad bundle %q", b.Name)
		}
		seen[b.Name] = true
	}
	if a, b := FindCycle(n, func(i int) []int { return d.Atoms[i].Deps }); a >= 0 {
		return fmt.Errorf("dependency cycle involving %s and %s", d.Atoms[a].Name, d.Atoms[b].Name)
	}
	return nil
}

func contains(l []int, x int) bool {
	for _, y := range l {
		if y == x {
			return true
		}
	}
	return false
}

// FindCycle runs a DFS over n nodes; it returns (start, node) of the first
// cycle found (node is on the cycle), or (-1, -1).
func FindCycle(n int, next func(int) []int) (int, int) {
	path := FindCyclePath(n, next)
	if path == nil {
		return -1, -1
	}
	return path[0], path[len(path)-1]
}

// FindCyclePath returns a cycle as a list of nodes: the DFS root first, then
// the path, ending with the node that closes the cycle (it also appears
// earlier in the list). nil if there is no cycle.
func FindCyclePath(n int, next func(int) []int) []int {
	color := make([]byte, n) // 0 white, 1 on stack, 2 done
	var stack []int
	var found []int
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = 1
		stack = append(stack, i)
		for _, j := range next(i) {
			if color[j] == 1 {
				found = append(append([]int{}, stack...), j)
				return true
			}
			if color[j] == 0 && visit(j) {
				return true
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = 2
		return false
	}
	for i := 0; i < n; i++ {
		if color[i] == 0 && visit(i) {
			return found
		}
	}
	return nil
}

// Load reads DIR/db.
func Load(dir string) (*DB, error) {
	p := filepath.Join(dir, "db")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, Errorf(111, "unable to read %s: %v", p, fsutil.Bare(err))
	}
	return Decode(b, p)
}

// LooksCompiled reports whether dir holds a compiled database (our db file).
func LooksCompiled(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "db"))
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic)+1)
	n, _ := f.Read(b)
	return string(b[:n]) == magic+" "
}

// Unwrap strips os.PathError's path so messages name the path once.
func Unwrap(err error) error { return fsutil.Bare(err) }
