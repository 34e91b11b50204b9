package execline

import (
	"errors"
	"strconv"
	"strings"
)

// DefaultDelim is the default set of delimiters for splitting values.
const DefaultDelim = " \n\r\t"

// ErrNetstring is returned when -d "" asks for netstring splitting and the
// value is not a sequence of netstrings.
var ErrNetstring = errors.New("invalid netstring")

// Transform says how a value becomes the list of words a variable is
// substituted with (define, importas, multidefine options -s -d -n -C).
type Transform struct {
	Delim  string // delimiter bytes; empty means netstrings when splitting
	Crunch bool   // -C: a run of delimiters counts as one
	Chomp  bool   // -n: drop one trailing delimiter
	Split  bool   // -s: split into several words
}

// NewTransform is the default transform: no splitting, DefaultDelim.
func NewTransform() Transform { return Transform{Delim: DefaultDelim} }

func (t Transform) isDelim(c byte) bool { return strings.IndexByte(t.Delim, c) >= 0 }

// Apply transforms v into its list of words. Without Split that is v itself
// (chomped). When splitting, every delimiter ends a word (so two delimiters
// in a row make an empty word, unless Crunch); a last word that is not
// followed by a delimiter is kept, except with Chomp when no trailing
// delimiter was chomped (execline reads such a value like a line without its
// newline and drops the incomplete word).
func (t Transform) Apply(v string) ([]string, error) {
	b := []byte(v)
	if t.Crunch && t.Delim != "" {
		out := b[:0:0]
		crunching := false
		for _, c := range b {
			if crunching && t.isDelim(c) {
				continue
			}
			out = append(out, c)
			crunching = t.isDelim(c)
		}
		b = out
	}
	chomped := false
	if t.Chomp && len(b) > 0 && t.isDelim(b[len(b)-1]) {
		b = b[:len(b)-1]
		chomped = true
	}
	if !t.Split {
		return []string{string(b)}, nil
	}
	if t.Delim == "" {
		return splitNetstrings(b)
	}
	var words []string
	base := 0
	for i, c := range b {
		if t.isDelim(c) {
			words = append(words, string(b[base:i]))
			base = i + 1
		}
	}
	if base < len(b) && (!t.Chomp || chomped) {
		words = append(words, string(b[base:]))
	}
	return words, nil
}

func splitNetstrings(b []byte) ([]string, error) {
	var words []string
	for len(b) > 0 {
		k := 0
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k == 0 || k >= len(b) || b[k] != ':' {
			return nil, ErrNetstring
		}
		n, err := strconv.Atoi(string(b[:k]))
		if err != nil || n < 0 || len(b)-k-1 < n+1 || b[k+1+n] != ',' {
			return nil, ErrNetstring
		}
		words = append(words, string(b[k+1:k+1+n]))
		b = b[k+2+n:]
	}
	return words, nil
}
