// Package query answers s6-rc-db's offline questions about a compiled
// database. Answers are written to the io.Writer given; failures come back
// as *rcdb.Error values carrying s6-rc-db's exit code.
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

// ErrNoPipeline is the answer of "pipeline" for a bundle or a oneshot:
// s6-rc-db exits 5 without a message.
var ErrNoPipeline = &rcdb.Error{Code: 5}

// query is one question being answered.
type query struct {
	db  *rcdb.DB
	o   *Options
	out io.Writer
}

// command is one s6-rc-db command: how many arguments it needs at least and
// what answers it.
type command struct {
	name    string
	minArgs int
	run     func(q *query, args []string) error
}

// commands is s6-rc-db's command table.
var commands = []command{
	{"check", 0, (*query).check},
	{"list", 1, (*query).list},
	{"type", 1, (*query).typeOf},
	{"timeout", 1, (*query).timeout},
	{"flags", 1, (*query).flags},
	{"script", 1, (*query).script},
	{"contents", 1, (*query).contents},
	{"atomics", 0, (*query).atomics},
	{"dependencies", 0, (*query).dependencies},
	{"all-dependencies", 0, (*query).allDependencies},
	{"pipeline", 1, (*query).pipeline},
}

// Run executes one s6-rc-db command and writes its output to w.
func Run(db *rcdb.DB, o *Options, cmd string, args []string, w io.Writer) error {
	for _, c := range commands {
		if c.name != cmd {
			continue
		}
		if len(args) < c.minArgs {
			return rcdb.Errorf(100, "%s needs an argument", cmd)
		}
		return c.run(&query{db: db, o: o, out: w}, args)
	}
	return rcdb.Errorf(100, "unknown command: %s", cmd)
}

func (q *query) unknown(name string) error {
	return rcdb.Errorf(3, "%s is not a valid identifier in %s", name, q.o.What)
}

// shown tells whether atom i is listed (-e hides the essential ones).
func (q *query) shown(i int) bool {
	return !q.o.NoEssential || q.db.Atoms[i].Flags&rcdb.FlagEssential == 0
}

// resolve is db.Resolve with s6-rc-db's error for an unknown name.
func (q *query) resolve(name string) ([]int, error) {
	l, ok := q.db.Resolve(name)
	if !ok {
		return nil, q.unknown(name)
	}
	return l, nil
}

// atom resolves a name that must be an atom.
func (q *query) atom(name string) (*rcdb.Atom, error) {
	l, err := q.resolve(name)
	if err != nil {
		return nil, err
	}
	if q.db.IsBundle(name) || len(l) != 1 {
		return nil, rcdb.Errorf(5, "%s is a bundle", name)
	}
	return &q.db.Atoms[l[0]], nil
}

// printAtoms prints a set of atoms in descending index order, as s6-rc-db
// prints multi-name results.
func (q *query) printAtoms(set map[int]bool) {
	var l []int
	for i := range set {
		if q.shown(i) {
			l = append(l, i)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(l)))
	for _, i := range l {
		fmt.Fprintln(q.out, q.db.Atoms[i].Name)
	}
}

func (q *query) check([]string) error {
	if err := q.db.Check(); err != nil {
		return rcdb.Errorf(4, "invalid service database in %s: %v", q.o.What, err)
	}
	return nil
}

func (q *query) list(args []string) error {
	switch args[0] {
	case "all", "bundles":
		if args[0] == "all" {
			for i := range q.db.Atoms {
				if q.shown(i) {
					fmt.Fprintln(q.out, q.db.Atoms[i].Name)
				}
			}
		}
		for _, b := range q.db.Bundles {
			fmt.Fprintln(q.out, b.Name)
		}
	case "services", "longruns", "oneshots":
		for i, a := range q.db.Atoms {
			if q.shown(i) && (args[0] == "services" || args[0] == a.Type+"s") {
				fmt.Fprintln(q.out, a.Name)
			}
		}
	default:
		return rcdb.Errorf(100, "invalid list argument: %s", args[0])
	}
	return nil
}

func (q *query) typeOf(args []string) error {
	if _, err := q.resolve(args[0]); err != nil {
		return err
	}
	if q.db.IsBundle(args[0]) {
		fmt.Fprintln(q.out, rcdb.Bundle)
		return nil
	}
	a, err := q.atom(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintln(q.out, a.Type)
	return nil
}

func (q *query) timeout(args []string) error {
	a, err := q.atom(args[0])
	if err != nil {
		return err
	}
	t := a.TimeoutUp
	if q.o.Down {
		t = a.TimeoutDown
	}
	fmt.Fprintln(q.out, t)
	return nil
}

func (q *query) flags(args []string) error {
	a, err := q.atom(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(q.out, "%08x\n", a.Flags)
	return nil
}

// script prints a oneshot's up (or, with -d, down) script as NUL-terminated
// words.
func (q *query) script(args []string) error {
	a, err := q.atom(args[0])
	if err != nil {
		return err
	}
	if a.Type != rcdb.Oneshot {
		return rcdb.Errorf(5, "%s is not a oneshot", args[0])
	}
	slot := rcdb.SlotUp
	if q.o.Down {
		slot = rcdb.SlotDown
	}
	if a.Script[slot] != "" {
		fmt.Fprintf(q.out, "%s\x00", a.Script[slot])
	}
	for _, x := range a.Argv[slot] {
		fmt.Fprintf(q.out, "%s\x00", x)
	}
	return nil
}

func (q *query) contents(args []string) error {
	l, err := q.resolve(args[0])
	if err != nil {
		return err
	}
	if !q.db.IsBundle(args[0]) {
		return rcdb.Errorf(5, "%s is not a bundle", args[0])
	}
	set := map[int]bool{}
	for _, i := range l {
		set[i] = true
	}
	q.printAtoms(set)
	return nil
}

// eachAtom resolves every name and calls add for each atom it stands for,
// then prints the set add built.
func (q *query) eachAtom(names []string, add func(i int, set map[int]bool)) error {
	set := map[int]bool{}
	for _, name := range names {
		l, err := q.resolve(name)
		if err != nil {
			return err
		}
		for _, i := range l {
			add(i, set)
		}
	}
	q.printAtoms(set)
	return nil
}

func (q *query) atomics(args []string) error {
	return q.eachAtom(args, func(i int, set map[int]bool) { set[i] = true })
}

func (q *query) dependencies(args []string) error {
	return q.eachAtom(args, func(i int, set map[int]bool) {
		for _, j := range q.deps(i) {
			set[j] = true
		}
	})
}

func (q *query) allDependencies(args []string) error {
	return q.eachAtom(args, q.closure)
}

// deps are the direct dependencies of atom i (dependents with -d).
func (q *query) deps(i int) []int {
	if q.o.Down {
		return q.db.Atoms[i].RDeps
	}
	return q.db.Atoms[i].Deps
}

// closure adds atom i and everything it depends on (or, with -d, what
// depends on it) to set.
func (q *query) closure(i int, set map[int]bool) {
	if set[i] {
		return
	}
	set[i] = true
	for _, j := range q.deps(i) {
		q.closure(j, set)
	}
}

// pipeline prints the producer/consumer pairs of the pipeline a longrun
// belongs to, from its last consumer back.
func (q *query) pipeline(args []string) error {
	l, err := q.resolve(args[0])
	if err != nil {
		return err
	}
	if q.db.IsBundle(args[0]) || q.db.Atoms[l[0]].Type != rcdb.Longrun {
		return ErrNoPipeline
	}
	last := l[0]
	for q.db.Atoms[last].Consumer >= 0 {
		last = q.db.Atoms[last].Consumer
	}
	q.printPipe(last)
	return nil
}

func (q *query) printPipe(consumer int) {
	for _, p := range q.db.Atoms[consumer].Producers {
		fmt.Fprintf(q.out, "%s/%s\n", q.db.Atoms[p].Name, q.db.Atoms[consumer].Name)
		q.printPipe(p)
	}
}
