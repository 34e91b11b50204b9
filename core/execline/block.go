package execline

import "fmt"

// BlockQuote is the byte that quotes a word inside a block; BlockEnd is the
// word that ends a block (after unquoting one level).
const (
	BlockQuote = ' '
	BlockEnd   = ""
)

// UnquotedError is a word inside a block that does not carry the block
// quote: harmless unless EXECLINE_STRICT asks for checks.
type UnquotedError struct {
	Arg        string
	Block, Pos int
}

func (e *UnquotedError) Error() string {
	return fmt.Sprintf("unquoted argument %s at block %d position %d", e.Arg, e.Block, e.Pos)
}

// Block reads the block that starts at argv[0]: it unquotes its words in
// place (drops one leading space) and returns the number of words before the
// terminating empty word, with ok false when there is no terminator. With
// strict 1, an unquoted word is passed to warn; with strict 2 or more it is
// returned as an *UnquotedError. blockNo numbers the blocks a program has
// read, for those messages.
func Block(argv []string, strict uint, blockNo int, warn func(error)) (n int, ok bool, err error) {
	for i, arg := range argv {
		if arg == BlockEnd {
			return i, true, nil
		}
		if arg[0] == BlockQuote {
			argv[i] = arg[1:]
			continue
		}
		if strict > 0 {
			ue := &UnquotedError{Arg: arg, Block: blockNo, Pos: i}
			if strict >= 2 {
				return i, false, ue
			}
			if warn != nil {
				warn(ue)
			}
		}
	}
	return len(argv), false, nil
}

// QuoteBlock encodes argv as the words of a block, the way execlineb would
// have written `{ argv... }`: every word gets a leading space and the
// terminator is appended.
func QuoteBlock(argv []string) []string {
	out := make([]string, 0, len(argv)+1)
	for _, a := range argv {
		out = append(out, string(BlockQuote)+a)
	}
	return append(out, BlockEnd)
}
