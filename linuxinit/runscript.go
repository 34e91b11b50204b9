package linuxinit

import (
	"fmt"
	"strings"
)

// ParseRunscript splits a runscript into words. The first line (the #!
// line) is skipped; lines whose first non-blank character is '#' are
// comments; words are separated by blanks and newlines; double quotes group
// words and allow \" \\ \n \t escapes. The result is one command line.
func ParseRunscript(text string) ([]string, error) {
	if strings.HasPrefix(text, "#!") {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		} else {
			text = ""
		}
	}
	var words []string
	var cur strings.Builder
	inWord, inQuote, lineStart := false, false, true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inQuote {
			switch c {
			case '"':
				inQuote = false
			case '\\':
				if i+1 >= len(text) {
					return nil, fmt.Errorf("unfinished escape at the end")
				}
				i++
				switch text[i] {
				case 'n':
					cur.WriteByte('\n')
				case 't':
					cur.WriteByte('\t')
				default:
					cur.WriteByte(text[i])
				}
			default:
				cur.WriteByte(c)
			}
			continue
		}
		switch {
		case c == '#' && lineStart && !inWord:
			for i < len(text) && text[i] != '\n' {
				i++
			}
			continue
		case c == '\n' || c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			if c == '\n' {
				lineStart = true
			}
			continue
		case c == '"':
			inQuote, inWord = true, true
		default:
			cur.WriteByte(c)
			inWord = true
		}
		lineStart = false
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated double quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Quote renders a word so ParseRunscript gives it back.
func Quote(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n\"\\#") {
		return w
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(w) + `"`
}

// SubstArgs replaces every word "$@" with args.
func SubstArgs(words, args []string) []string {
	var out []string
	for _, w := range words {
		if w == "$@" {
			out = append(out, args...)
			continue
		}
		out = append(out, w)
	}
	return out
}
