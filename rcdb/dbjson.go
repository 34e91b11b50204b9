package rcdb

import (
	"fmt"
	"math"

	"s6box/core/jsontext"
)

// marshal writes d as the JSON document of the db file: the members and
// their order are those the struct tags name, and the bytes are what
// encoding/json gave for format 2 (files written before this code decode
// the same, and equal databases still give equal files).
func (d *DB) marshal() []byte {
	w := &jsontext.Writer{}
	w.BeginObject()
	w.IntMember("version", int64(d.Version))
	w.IntMember("nlong", int64(d.NLong))
	w.Key("atoms")
	if d.Atoms == nil {
		w.Null()
	} else {
		w.BeginArray()
		for i := range d.Atoms {
			d.Atoms[i].marshal(w)
		}
		w.EndArray()
	}
	w.Key("bundles")
	if d.Bundles == nil {
		w.Null()
	} else {
		w.BeginArray()
		for _, b := range d.Bundles {
			w.BeginObject()
			w.StringMember("name", b.Name)
			w.Key("atoms")
			w.Ints(b.Atoms)
			w.EndObject()
		}
		w.EndArray()
	}
	w.StringMember("self", d.Self)
	w.EndObject()
	return w.B
}

func (a *Atom) marshal(w *jsontext.Writer) {
	w.BeginObject()
	w.StringMember("name", a.Name)
	w.StringMember("type", a.Type)
	for _, f := range [...]struct {
		key string
		n   uint32
	}{{"flags", a.Flags}, {"timeout_down", a.TimeoutDown}, {"timeout_up", a.TimeoutUp}} {
		if f.n != 0 {
			w.Key(f.key)
			w.Uint(uint64(f.n))
		}
	}
	if len(a.Deps) > 0 {
		w.Key("deps")
		w.Ints(a.Deps)
	}
	if len(a.RDeps) > 0 {
		w.Key("rdeps")
		w.Ints(a.RDeps)
	}
	w.IntMember("consumer", int64(a.Consumer))
	if len(a.Producers) > 0 {
		w.Key("producers")
		w.Ints(a.Producers)
	}
	w.Key("argv")
	w.BeginArray()
	for _, l := range a.Argv {
		w.Strings(l)
	}
	w.EndArray()
	w.Key("script")
	w.BeginArray()
	for _, s := range a.Script {
		w.String(s)
	}
	w.EndArray()
	w.EndObject()
}

// unmarshal fills d from the JSON document of a db file. Unknown members
// are ignored and missing ones keep their zero value, as encoding/json
// did; a member of the wrong type is an error naming it.
func (d *DB) unmarshal(body []byte) error {
	v, err := jsontext.Parse(body)
	if err != nil {
		return err
	}
	if v.Kind != jsontext.Object {
		return fmt.Errorf("the document is a JSON %v, not an object", v.Kind)
	}
	var u decoder
	d.Version = u.int(v.Get("version"), "version")
	d.NLong = u.int(v.Get("nlong"), "nlong")
	if atoms := v.Get("atoms"); u.array(atoms, "atoms") {
		d.Atoms = make([]Atom, len(atoms.Elems))
		for i, e := range atoms.Elems {
			d.Atoms[i].unmarshal(&u, e, fmt.Sprintf("atoms[%d]", i))
		}
	}
	if bundles := v.Get("bundles"); u.array(bundles, "bundles") {
		d.Bundles = make([]NamedSet, len(bundles.Elems))
		for i, e := range bundles.Elems {
			where := fmt.Sprintf("bundles[%d]", i)
			if u.object(e, where) {
				d.Bundles[i].Name = u.str(e.Get("name"), where+".name")
				d.Bundles[i].Atoms = u.ints(e.Get("atoms"), where+".atoms")
			}
		}
	}
	d.Self = u.str(v.Get("self"), "self")
	return u.err
}

func (a *Atom) unmarshal(u *decoder, v *jsontext.Value, where string) {
	if !u.object(v, where) {
		return
	}
	a.Name = u.str(v.Get("name"), where+".name")
	a.Type = u.str(v.Get("type"), where+".type")
	a.Flags = u.uint32(v.Get("flags"), where+".flags")
	a.TimeoutDown = u.uint32(v.Get("timeout_down"), where+".timeout_down")
	a.TimeoutUp = u.uint32(v.Get("timeout_up"), where+".timeout_up")
	a.Deps = u.ints(v.Get("deps"), where+".deps")
	a.RDeps = u.ints(v.Get("rdeps"), where+".rdeps")
	a.Consumer = u.int(v.Get("consumer"), where+".consumer")
	a.Producers = u.ints(v.Get("producers"), where+".producers")
	if argv := v.Get("argv"); u.array(argv, where+".argv") {
		for i, e := range argv.Elems {
			if i < len(a.Argv) {
				a.Argv[i] = u.strs(e, fmt.Sprintf("%s.argv[%d]", where, i))
			}
		}
	}
	if script := v.Get("script"); u.array(script, where+".script") {
		for i, e := range script.Elems {
			if i < len(a.Script) {
				a.Script[i] = u.str(e, fmt.Sprintf("%s.script[%d]", where, i))
			}
		}
	}
}

// decoder keeps the first type error; every accessor treats an absent
// member or null as the zero value.
type decoder struct{ err error }

func (u *decoder) fail(where string, v *jsontext.Value, want string) {
	if u.err == nil {
		u.err = fmt.Errorf("%s: a JSON %v, not %s", where, v.Kind, want)
	}
}

func absent(v *jsontext.Value) bool { return v == nil || v.Kind == jsontext.Null }

func (u *decoder) object(v *jsontext.Value, where string) bool {
	if absent(v) {
		return false
	}
	if v.Kind != jsontext.Object {
		u.fail(where, v, "an object")
		return false
	}
	return true
}

func (u *decoder) array(v *jsontext.Value, where string) bool {
	if absent(v) {
		return false
	}
	if v.Kind != jsontext.Array {
		u.fail(where, v, "an array")
		return false
	}
	return true
}

func (u *decoder) int(v *jsontext.Value, where string) int {
	if absent(v) {
		return 0
	}
	n, ok := v.Int()
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		u.fail(where, v, "an integer")
		return 0
	}
	return int(n)
}

func (u *decoder) uint32(v *jsontext.Value, where string) uint32 {
	if absent(v) {
		return 0
	}
	n, ok := v.Int()
	if !ok || n < 0 || n > math.MaxUint32 {
		u.fail(where, v, "a 32-bit unsigned integer")
		return 0
	}
	return uint32(n)
}

func (u *decoder) str(v *jsontext.Value, where string) string {
	if absent(v) {
		return ""
	}
	if v.Kind != jsontext.String {
		u.fail(where, v, "a string")
		return ""
	}
	return v.Text
}

func (u *decoder) ints(v *jsontext.Value, where string) []int {
	if !u.array(v, where) {
		return nil
	}
	l := make([]int, len(v.Elems))
	for i, e := range v.Elems {
		l[i] = u.int(e, fmt.Sprintf("%s[%d]", where, i))
	}
	return l
}

func (u *decoder) strs(v *jsontext.Value, where string) []string {
	if !u.array(v, where) {
		return nil
	}
	l := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		l[i] = u.str(e, fmt.Sprintf("%s[%d]", where, i))
	}
	return l
}
