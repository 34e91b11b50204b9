// Package envdir reads an s6/daemontools environment directory: one variable
// per file, named after the file, valued by (the first line of) its content.
package envdir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"s6box/core/fsutil"
)

// MaxRead is how many bytes of each file are read without Options.NoLimit.
const MaxRead = 4095

// Options are envdir's switches.
type Options struct {
	NoChomp   bool // -n: keep trailing blanks (and, with WholeFile, the final newline)
	WholeFile bool // -f: the whole file is the value
	NoLimit   bool // -L: no 4095-byte limit
	NulIs     byte // -c: what a NUL byte in a value becomes ('\n' by default)
}

// Change is one variable to set (Unset false) or remove.
type Change struct {
	Name  string
	Value string
	Unset bool
}

// Read returns the changes described by dir, in directory order. Entries
// whose names begin with '.' or contain '=' are skipped. Any entry that
// cannot be read (a subdirectory, no permission) is an error naming it.
func Read(dir string, o Options) ([]Change, error) {
	if o.NulIs == 0 {
		o.NulIs = '\n'
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("unable to open directory %s: %w", dir, fsutil.Bare(err))
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("unable to read directory %s: %w", dir, err)
	}
	var out []Change
	for _, name := range names {
		if name == "" || name[0] == '.' || strings.IndexByte(name, '=') >= 0 {
			continue
		}
		path := dir + "/" + name
		c, err := readOne(path, o)
		if err != nil {
			return nil, err
		}
		c.Name = name
		out = append(out, c)
	}
	return out, nil
}

func readOne(path string, o Options) (Change, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			// Vanished between readdir and open.
			err = syscall.EIDRM
		}
		return Change{}, fmt.Errorf("unable to open %s: %w", path, fsutil.Bare(err))
	}
	defer f.Close()
	var r io.Reader = f
	if !o.NoLimit {
		r = io.LimitReader(f, MaxRead)
	}
	var data []byte
	if o.WholeFile {
		data, err = io.ReadAll(r)
	} else {
		data, err = readLine(r)
	}
	if err != nil {
		return Change{}, fmt.Errorf("unable to read %s: %w", path, fsutil.Bare(err))
	}
	if len(data) == 0 {
		return Change{Unset: true}, nil
	}
	return Change{Value: value(data, o)}, nil
}

// readLine reads up to and including the first newline (or to EOF).
func readLine(r io.Reader) ([]byte, error) {
	var buf []byte
	chunk := make([]byte, 512)
	for {
		n, err := r.Read(chunk)
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			return append(buf, chunk[:i+1]...), nil
		}
		buf = append(buf, chunk[:n]...)
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// value turns raw file bytes (non-empty) into the variable's value.
func value(data []byte, o Options) string {
	if o.WholeFile {
		if !o.NoChomp {
			data = bytes.TrimSuffix(data, []byte{'\n'})
		}
	} else {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[:i]
		}
		if !o.NoChomp {
			data = bytes.TrimRight(data, " \t\r")
		}
	}
	out := make([]byte, len(data))
	for i, b := range data {
		if b == 0 {
			b = o.NulIs
		}
		out[i] = b
	}
	return string(out)
}
