// Package query answers s6-rc-db's offline questions about a compiled
// database.
package query

import (
	"fmt"
	"io"
	"sort"

	"s6box/rcdb"
)

// Options of a query.
type Options struct {
	Down        bool   // -d: reverse direction (dependents, down script/timeout)
	NoEssential bool   // -e: hide essential atoms
	What        string // database path for messages
}

func (o *Options) unknown(name string) error {
	return rcdb.Errorf(3, "%s is not a valid identifier in %s", name, o.What)
}

// Run executes one s6-rc-db command and writes its output to w.
func Run(db *rcdb.DB, o *Options, cmd string, args []string, w io.Writer) error {
	need := func(n int) error {
		if len(args) < n {
			return rcdb.Errorf(100, "%s needs an argument", cmd)
		}
		return nil
	}
	printAtoms := func(set map[int]bool) {
		// descending index order, as s6-rc-db prints multi-name results
		var l []int
		for i := range set {
			if o.NoEssential && db.Atoms[i].Flags&rcdb.FlagEssential != 0 {
				continue
			}
			l = append(l, i)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(l)))
		for _, i := range l {
			fmt.Fprintln(w, db.Atoms[i].Name)
		}
	}
	atom := func(name string) (int, error) {
		l, ok := db.Resolve(name)
		if !ok {
			return 0, o.unknown(name)
		}
		if db.IsBundle(name) || len(l) != 1 {
			return 0, rcdb.Errorf(5, "%s is a bundle", name)
		}
		return l[0], nil
	}
	switch cmd {
	case "check":
		if err := db.Check(); err != nil {
			return rcdb.Errorf(4, "invalid service database in %s: %v", o.What, err)
		}
		return nil
	case "list":
		if err := need(1); err != nil {
			return err
		}
		show := func(i int) bool { return !o.NoEssential || db.Atoms[i].Flags&rcdb.FlagEssential == 0 }
		switch args[0] {
		case "all", "bundles":
			if args[0] == "all" {
				for i := range db.Atoms {
					if show(i) {
						fmt.Fprintln(w, db.Atoms[i].Name)
					}
				}
			}
			for _, b := range db.Bundles {
				fmt.Fprintln(w, b.Name)
			}
		case "services", "longruns", "oneshots":
			for i, a := range db.Atoms {
				if show(i) && (args[0] == "services" || args[0] == a.Type+"s") {
					fmt.Fprintln(w, a.Name)
				}
			}
		default:
			return rcdb.Errorf(100, "invalid list argument: %s", args[0])
		}
	case "type":
		if err := need(1); err != nil {
			return err
		}
		if _, ok := db.Resolve(args[0]); !ok {
			return o.unknown(args[0])
		}
		if db.IsBundle(args[0]) {
			fmt.Fprintln(w, rcdb.Bundle)
		} else {
			i, _ := atom(args[0])
			fmt.Fprintln(w, db.Atoms[i].Type)
		}
	case "timeout", "flags", "script":
		if err := need(1); err != nil {
			return err
		}
		i, err := atom(args[0])
		if err != nil {
			return err
		}
		a := db.Atoms[i]
		switch cmd {
		case "timeout":
			t := a.TimeoutUp
			if o.Down {
				t = a.TimeoutDown
			}
			fmt.Fprintln(w, t)
		case "flags":
			fmt.Fprintf(w, "%08x\n", a.Flags)
		case "script":
			if a.Type != rcdb.Oneshot {
				return rcdb.Errorf(5, "%s is not a oneshot", args[0])
			}
			slot := rcdb.SlotUp
			if o.Down {
				slot = rcdb.SlotDown
			}
			if a.Script[slot] != "" {
				fmt.Fprintf(w, "%s\x00", a.Script[slot])
			}
			for _, x := range a.Argv[slot] {
				fmt.Fprintf(w, "%s\x00", x)
			}
		}
	case "contents":
		if err := need(1); err != nil {
			return err
		}
		l, ok := db.Resolve(args[0])
		if !ok {
			return o.unknown(args[0])
		}
		if !db.IsBundle(args[0]) {
			return rcdb.Errorf(5, "%s is not a bundle", args[0])
		}
		set := map[int]bool{}
		for _, i := range l {
			set[i] = true
		}
		printAtoms(set)
	case "atomics", "dependencies", "all-dependencies":
		set := map[int]bool{}
		for _, name := range args {
			l, ok := db.Resolve(name)
			if !ok {
				return o.unknown(name)
			}
			for _, i := range l {
				switch cmd {
				case "atomics":
					set[i] = true
				case "dependencies":
					d := db.Atoms[i].Deps
					if o.Down {
						d = db.Atoms[i].RDeps
					}
					for _, j := range d {
						set[j] = true
					}
				default:
					closure(db, i, o.Down, set)
				}
			}
		}
		printAtoms(set)
	case "pipeline":
		if err := need(1); err != nil {
			return err
		}
		l, ok := db.Resolve(args[0])
		if !ok {
			return o.unknown(args[0])
		}
		if db.IsBundle(args[0]) || db.Atoms[l[0]].Type != rcdb.Longrun {
			return rcdb.Errorf(5, "")
		}
		last := l[0]
		for db.Atoms[last].Consumer >= 0 {
			last = db.Atoms[last].Consumer
		}
		var walk func(c int)
		walk = func(c int) {
			for _, p := range db.Atoms[c].Producers {
				fmt.Fprintf(w, "%s/%s\n", db.Atoms[p].Name, db.Atoms[c].Name)
				walk(p)
			}
		}
		walk(last)
	default:
		return rcdb.Errorf(100, "unknown command: %s", cmd)
	}
	return nil
}

func closure(db *rcdb.DB, i int, down bool, set map[int]bool) {
	if set[i] {
		return
	}
	set[i] = true
	d := db.Atoms[i].Deps
	if down {
		d = db.Atoms[i].RDeps
	}
	for _, j := range d {
		closure(db, j, down, set)
	}
}

// Help is s6-rc-db's help text.
const Help = `PROG [ -u | -d ] [ -l live ] [ -c compiled ] [ -b ] [ -E | -e ] command...
commands: help, check, list all|services|oneshots|longruns|bundles, type NAME,
timeout ATOM, contents BUNDLE, dependencies NAME..., pipeline LONGRUN,
script ONESHOT, flags ATOM, atomics NAME..., all-dependencies NAME...
`
