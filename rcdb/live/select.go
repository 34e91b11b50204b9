package live

import (
	"s6box/core/fsutil"
	"s6box/core/status"
	"s6box/rcdb"
)

// Select resolves service names (atoms or bundles) into a selection: one
// flag per atom. An unknown name is s6-rc's error 3.
func (l *Live) Select(names []string) ([]bool, error) {
	sel := make([]bool, len(l.DB.Atoms))
	for _, name := range names {
		atoms, ok := l.DB.Resolve(name)
		if !ok {
			return nil, rcdb.Errorf(3, "%s is not a recognized identifier in %s/compiled", name, l.Dir)
		}
		for _, i := range atoms {
			sel[i] = true
		}
	}
	return sel, nil
}

// MarkWanted sets (up) or clears the "explicitly wanted up" bit of the
// selected atoms, in memory; WriteState records it.
func (l *Live) MarkWanted(sel []bool, up bool) {
	for i, s := range sel {
		switch {
		case !s:
		case up:
			l.State[i] |= StateWanted
		default:
			l.State[i] &^= StateWanted
		}
	}
}

// AddUp adds every atom that is up to the selection (s6-rc -a).
func (l *Live) AddUp(sel []bool) {
	for i := range sel {
		if l.Up(i) {
			sel[i] = true
		}
	}
}

// Drift is a longrun whose supervisor disagrees with s6-rc about it.
type Drift struct {
	Name   string
	WantUp bool // what the supervisor wants; s6-rc thinks the opposite
}

// Drifts lists the longruns whose supervisor wants them up while s6-rc
// thinks they are down, or the other way round. A status that cannot be
// read is reported to warn and skipped.
func (l *Live) Drifts(warn func(name string, err error)) []Drift {
	var out []Drift
	for i := 0; i < l.DB.NLong; i++ {
		name := l.DB.Atoms[i].Name
		st, err := status.Read(l.ServiceDir(name))
		if err != nil {
			warn(name, fsutil.Bare(err))
			continue
		}
		if st.WantUp != l.Up(i) {
			out = append(out, Drift{Name: name, WantUp: st.WantUp})
		}
	}
	return out
}
