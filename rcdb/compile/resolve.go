package compile

import (
	"sort"
	"strings"

	"s6box/rcdb"
)

func (m *model) atomIndex(s *svc) int {
	if s.typ == rcdb.Longrun {
		return s.index
	}
	return len(m.longs) + s.index
}

func (m *model) typeOf(name string) string {
	if s, ok := m.byName[name]; ok {
		return s.typ
	}
	return "unknown"
}

// checkPipelines verifies that producer-for and consumer-for agree.
func (m *model) checkPipelines() error {
	for _, s := range m.longs {
		if p := s.producerFor; p != "" {
			c, ok := m.byName[p]
			if !ok || c.typ != rcdb.Longrun {
				return srcErr(1, "longrun service %s declares being a producer for a service named %s of type %s", s.name, p, m.typeOf(p))
			}
			if !contains(c.consumerFor, s.name) {
				return srcErr(1, "longrun service %s declares being a producer for a service named %s that does not declare it back", s.name, p)
			}
		}
		for _, p := range s.consumerFor {
			pr, ok := m.byName[p]
			if !ok || pr.typ != rcdb.Longrun {
				return srcErr(1, "longrun service %s declares being the consumer for a service named %s of type %s", s.name, p, m.typeOf(p))
			}
			if pr.producerFor != s.name {
				return srcErr(1, "longrun service %s declares being the consumer for a service named %s that does not declare it back", s.name, p)
			}
		}
	}
	// a chain of producer-for links must end
	for _, s := range m.longs {
		seen := map[string]bool{s.name: true}
		for c := s.producerFor; c != ""; c = m.byName[c].producerFor {
			if seen[c] {
				return srcErr(1, "cyclic longrun pipeline reached from %s and involving %s", s.name, c)
			}
			seen[c] = true
		}
	}
	return nil
}

func contains(l []string, x string) bool {
	for _, y := range l {
		if y == x {
			return true
		}
	}
	return false
}

// pipelineBundles adds one bundle per pipeline-name.
func (m *model) pipelineBundles() error {
	m.o.info("making bundles for pipelines")
	for _, last := range append([]*svc(nil), m.longs...) {
		if last.pipelineName == "" {
			continue
		}
		members := []string{last.name}
		queue := append([]string(nil), last.consumerFor...)
		seen := map[string]bool{last.name: true}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if seen[p] {
				continue
			}
			seen[p] = true
			ps := m.byName[p]
			if ps.typ != rcdb.Longrun {
				return srcErr(1, "longrun %s declares a producer %s of type %s", last.name, p, ps.typ)
			}
			members = append(members, p)
			if len(members) > len(m.longs) {
				return srcErr(1, "pipeline %s is too long: possible loop involving %s", last.pipelineName, p)
			}
			queue = append(queue, ps.consumerFor...)
		}
		if reserved(last.pipelineName) {
			return srcErr(1, "in %s: identifier %s starts with reserved prefix", last.src, last.pipelineName)
		}
		b := &svc{name: last.pipelineName, typ: rcdb.Bundle, src: "s6-rc-compile internals", contents: members}
		if err := m.add(b); err != nil {
			return err
		}
	}
	return nil
}

// resolveBundles expands every bundle into a sorted set of atom indices.
func (m *model) resolveBundles() (map[string][]int, error) {
	m.o.info("resolving bundle names")
	done := map[string][]int{}
	state := map[string]int{} // 1 visiting, 2 done
	var resolve func(b *svc) ([]int, error)
	resolve = func(b *svc) ([]int, error) {
		if state[b.name] == 2 {
			return done[b.name], nil
		}
		state[b.name] = 1
		set := map[int]bool{}
		for _, c := range b.contents {
			cs, ok := m.byName[c]
			if !ok {
				return nil, srcErr(1, "during resolution of bundle %s: undefined service name %s", b.name, c)
			}
			if cs.typ != rcdb.Bundle {
				set[m.atomIndex(cs)] = true
				continue
			}
			if state[c] == 1 {
				return nil, srcErr(1, "cyclic bundle definition: resolution of %s encountered a cycle involving %s", b.name, c)
			}
			sub, err := resolve(cs)
			if err != nil {
				return nil, err
			}
			for _, x := range sub {
				set[x] = true
			}
		}
		state[b.name] = 2
		done[b.name] = sortedSet(set)
		return done[b.name], nil
	}
	for _, b := range m.bundles {
		if _, err := resolve(b); err != nil {
			return nil, err
		}
	}
	return done, nil
}

func sortedSet(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Ints(out)
	return out
}

// build runs every check and returns the database (without Self).
func (m *model) build() (*rcdb.DB, error) {
	if err := m.checkPipelines(); err != nil {
		return nil, err
	}
	if err := m.pipelineBundles(); err != nil {
		return nil, err
	}
	bundles, err := m.resolveBundles()
	if err != nil {
		return nil, err
	}
	m.o.info("resolving service names")
	atoms := append(append([]*svc(nil), m.longs...), m.shots...)
	n := len(atoms)
	db := &rcdb.DB{Version: rcdb.FormatVersion, NLong: len(m.longs), Atoms: make([]rcdb.Atom, n)}
	for i, s := range atoms {
		a := &db.Atoms[i]
		a.Name, a.Type, a.Flags = s.name, s.typ, s.flags
		a.TimeoutDown, a.TimeoutUp = s.timeout[0], s.timeout[1]
		a.Consumer = -1
		a.Argv = s.argv
		set := map[int]bool{}
		for _, d := range s.deps {
			ds, ok := m.byName[d]
			if !ok {
				return nil, srcErr(1, "during dependency resolution for service %s: undefined service name %s", s.name, d)
			}
			if ds.typ == rcdb.Bundle {
				for _, x := range bundles[d] {
					set[x] = true
				}
			} else {
				set[m.atomIndex(ds)] = true
			}
		}
		if s.typ == rcdb.Oneshot {
			set[0] = true
		}
		if s.producerFor != "" || len(s.consumerFor) > 0 {
			set[1] = true
		}
		if s.producerFor != "" {
			c := m.atomIndex(m.byName[s.producerFor])
			set[c] = true
			a.Consumer = c
		}
		for _, p := range s.consumerFor {
			a.Producers = append(a.Producers, m.atomIndex(m.byName[p]))
		}
		sort.Ints(a.Producers)
		a.Deps = sortedSet(set)
	}
	for i := range db.Atoms {
		for _, d := range db.Atoms[i].Deps {
			db.Atoms[d].RDeps = append(db.Atoms[d].RDeps, i)
		}
	}
	if path := rcdb.FindCyclePath(n, func(i int) []int { return db.Atoms[i].Deps }); path != nil {
		last := path[len(path)-1]
		names := []string{}
		start := 0
		for k, x := range path {
			if x == last {
				start = k
				break
			}
		}
		for _, x := range path[start:] {
			names = append(names, db.Atoms[x].Name)
		}
		return nil, srcErr(1, "cyclic service dependency reached from %s and involving %s (cycle: %s)",
			db.Atoms[path[0]].Name, db.Atoms[last].Name, strings.Join(names, " -> "))
	}
	for _, b := range m.bundles {
		db.Bundles = append(db.Bundles, rcdb.NamedSet{Name: b.name, Atoms: bundles[b.name]})
		for _, x := range bundles[b.name] {
			db.Atoms[x].Flags |= b.flags
		}
	}
	return db, nil
}
