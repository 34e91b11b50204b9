// Package svdt renders and clears supervise/death_tally like s6-svdt and
// s6-svdt-clear.
package svdt

import (
	"path/filepath"
	"strconv"

	"s6box/core/signame"
	"s6box/core/status"
)

// MaxRecords is the most records s6-svdt prints (and the default of -n).
const MaxRecords = 4096

// Format renders the newest max records, oldest first, one line each:
// "@TAI64N exitcode N" or "@TAI64N signal SIGNAME" ("signal N" if numeric).
func Format(ds []status.Death, max int, numeric bool) []byte {
	if max < len(ds) {
		ds = ds[len(ds)-max:]
	}
	var b []byte
	for _, d := range ds {
		b = d.Stamp.AppendText(b)
		if d.Sig != 0 {
			b = append(b, " signal "...)
			if numeric {
				b = strconv.AppendInt(b, int64(d.Sig), 10)
			} else {
				b = append(b, "SIG"...)
				b = append(b, signame.Name(int(d.Sig))...)
			}
		} else {
			b = append(b, " exitcode "...)
			b = strconv.AppendInt(b, int64(d.Code), 10)
		}
		b = append(b, '\n')
	}
	return b
}

// Clear empties DIR/supervise/death_tally atomically.
func Clear(dir string) error {
	return status.WriteFileAtomic(filepath.Join(dir, "supervise", "death_tally"), nil)
}
