// Package posix holds the rules of two POSIX utilities that execline ships
// as programs: umask's mode operand (octal or symbolic) and cd's choice of
// directory (HOME, "-", CDPATH, logical or physical PWD). posix-umask and
// posix-cd apply them; this package only computes.
package posix

import (
	"errors"
	"strconv"
	"strings"
)

// ErrMode is returned for a mode operand that is neither an octal number
// nor a symbolic mode.
var ErrMode = errors.New("invalid mode string")

// permission bits of one class (r, w, x) and the classes' shifts
const (
	permR, permW, permX = 4, 2, 1
	shiftU, shiftG      = 6, 3
)

// ParseUmask returns the file mode creation mask that mode asks for, given
// the current mask cur. An octal operand is the new mask (its permission
// bits). A symbolic operand (POSIX's symbolic_mode: clauses separated by
// commas, each "[ugoa]*" then one or more "op" with permissions "rwxXst" or
// a class letter to copy) edits the permissions the mask lets through,
// starting from those of cur; "+" clears bits of the mask, "-" sets them,
// "=" sets a class to exactly what follows (nothing: no permission). An
// empty who list means all classes; X counts as x, s and t change nothing.
// The empty operand, and a trailing comma, leave the mask as it is, as the
// shells and execline's posix-umask do.
func ParseUmask(mode string, cur uint32) (uint32, error) {
	if mode != "" && strings.Trim(mode, "01234567") == "" {
		n, err := strconv.ParseUint(mode, 8, 32)
		if err != nil {
			return 0, ErrMode
		}
		return uint32(n) & 0o777, nil
	}
	if mode == "" {
		return cur & 0o777, nil
	}
	allowed := ^cur & 0o777
	clauses := strings.Split(mode, ",")
	if len(clauses) > 1 && clauses[len(clauses)-1] == "" {
		clauses = clauses[:len(clauses)-1]
	}
	for _, cl := range clauses {
		var err error
		if allowed, err = applyClause(cl, allowed); err != nil {
			return 0, err
		}
	}
	return ^allowed & 0o777, nil
}

// applyClause applies one clause ("ug+rw-x", "o=u") to the permission bits.
func applyClause(cl string, allowed uint32) (uint32, error) {
	var shifts []uint
	i := 0
	for ; i < len(cl) && strings.IndexByte("ugoa", cl[i]) >= 0; i++ {
		switch cl[i] {
		case 'u':
			shifts = append(shifts, shiftU)
		case 'g':
			shifts = append(shifts, shiftG)
		case 'o':
			shifts = append(shifts, 0)
		case 'a':
			shifts = append(shifts, shiftU, shiftG, 0)
		}
	}
	if len(shifts) == 0 {
		shifts = []uint{shiftU, shiftG, 0}
	}
	if i == len(cl) {
		return 0, ErrMode // a clause needs at least one action
	}
	for i < len(cl) {
		op := cl[i]
		if op != '+' && op != '-' && op != '=' {
			return 0, ErrMode
		}
		i++
		var perm uint32
		if i < len(cl) && strings.IndexByte("ugo", cl[i]) >= 0 {
			// A copy of one class's current permissions, alone.
			perm = allowed >> classShift(cl[i]) & 7
			i++
		} else {
			for ; i < len(cl) && strings.IndexByte("rwxXst", cl[i]) >= 0; i++ {
				switch cl[i] {
				case 'r':
					perm |= permR
				case 'w':
					perm |= permW
				case 'x', 'X':
					perm |= permX
				}
			}
		}
		for _, sh := range shifts {
			switch op {
			case '+':
				allowed |= perm << sh
			case '-':
				allowed &^= perm << sh
			case '=':
				allowed = allowed&^(7<<sh) | perm<<sh
			}
		}
	}
	return allowed, nil
}

func classShift(c byte) uint {
	switch c {
	case 'u':
		return shiftU
	case 'g':
		return shiftG
	}
	return 0
}

// FormatUmask prints a mask as umask does: four octal digits ("0022"), or
// with symbolic set the permissions it lets through ("u=rwx,g=rx,o=rx").
func FormatUmask(mask uint32, symbolic bool) string {
	mask &= 0o777
	if !symbolic {
		s := strconv.FormatUint(uint64(mask), 8)
		return strings.Repeat("0", 4-len(s)) + s
	}
	var b strings.Builder
	for k, class := range []struct {
		name  byte
		shift uint
	}{{'u', shiftU}, {'g', shiftG}, {'o', 0}} {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(class.name)
		b.WriteByte('=')
		allowed := ^mask >> class.shift & 7
		for _, p := range []struct {
			bit  uint32
			name byte
		}{{permR, 'r'}, {permW, 'w'}, {permX, 'x'}} {
			if allowed&p.bit != 0 {
				b.WriteByte(p.name)
			}
		}
	}
	return b.String()
}
