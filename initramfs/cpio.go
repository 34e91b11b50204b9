// Package initramfs builds reproducible initramfs images: a newc cpio archive
// compressed with gzip, where the same inputs always give the same bytes
// (fixed mtimes, owners and inode numbers, sorted entries, no hard links).
package initramfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// File types, as in the cpio mode field.
const (
	TypeMask    = 0o170000
	TypeDir     = 0o040000
	TypeReg     = 0o100000
	TypeSymlink = 0o120000
	TypeFifo    = 0o010000
)

// Entry is one archive member. Mode holds the type bits and the permission
// bits; Data is the file content or, for a symlink, its target.
type Entry struct {
	Name string
	Mode uint32
	Data []byte
}

const newcMagic = "070701"
const trailer = "TRAILER!!!"

// WriteArchive writes entries as a newc cpio archive. Entries are sorted by
// name (so parents come before their children), each gets inode i+1 and
// link count 1 (2 for directories), owner 0:0 and mtime 0. Duplicate names
// are an error.
func WriteArchive(w io.Writer, entries []Entry) error {
	sorted := append([]Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			return fmt.Errorf("cpio: duplicate entry %q", sorted[i].Name)
		}
	}
	var buf bytes.Buffer
	for i, e := range sorted {
		if e.Name == "" || e.Name == trailer {
			return fmt.Errorf("cpio: invalid entry name %q", e.Name)
		}
		nlink := uint32(1)
		if e.Mode&TypeMask == TypeDir {
			nlink = 2
			if len(e.Data) != 0 {
				return fmt.Errorf("cpio: directory %q has data", e.Name)
			}
		}
		writeHeader(&buf, uint32(i+1), e.Mode, nlink, e.Name, len(e.Data))
		buf.Write(e.Data)
		pad(&buf)
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("cpio: write: %w", err)
		}
		buf.Reset()
	}
	writeHeader(&buf, 0, 0, 1, trailer, 0)
	_, err := w.Write(buf.Bytes())
	if err != nil {
		return fmt.Errorf("cpio: write: %w", err)
	}
	return nil
}

func writeHeader(buf *bytes.Buffer, ino, mode, nlink uint32, name string, size int) {
	buf.WriteString(newcMagic)
	for _, v := range []uint32{ino, mode, 0, 0, nlink, 0, uint32(size), 0, 0, 0, 0, uint32(len(name) + 1), 0} {
		fmt.Fprintf(buf, "%08x", v)
	}
	buf.WriteString(name)
	buf.WriteByte(0)
	pad(buf)
}

func pad(buf *bytes.Buffer) {
	for buf.Len()%4 != 0 {
		buf.WriteByte(0)
	}
}

// ErrFormat is wrapped by every error about a malformed archive.
var ErrFormat = errors.New("malformed cpio archive")

// ReadArchive parses a newc archive (up to its trailer) and returns its
// entries in archive order. Offsets are relative to the start of data, so
// padding is checked as the kernel does.
func ReadArchive(data []byte) ([]Entry, error) {
	var out []Entry
	off := 0
	for {
		if len(data)-off < 110 {
			return nil, fmt.Errorf("%w: truncated header at offset %d", ErrFormat, off)
		}
		h := data[off : off+110]
		if string(h[:6]) != newcMagic {
			return nil, fmt.Errorf("%w: bad magic at offset %d", ErrFormat, off)
		}
		var f [13]uint32
		for i := range f {
			v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			if err != nil {
				return nil, fmt.Errorf("%w: bad header field at offset %d", ErrFormat, off)
			}
			f[i] = uint32(v)
		}
		mode, size, namesize := f[1], int(f[6]), int(f[11])
		off += 110
		if namesize < 1 || namesize > len(data)-off {
			return nil, fmt.Errorf("%w: bad name size at offset %d", ErrFormat, off)
		}
		nameb := data[off : off+namesize]
		if nameb[namesize-1] != 0 || bytes.IndexByte(nameb[:namesize-1], 0) >= 0 {
			return nil, fmt.Errorf("%w: name not NUL-terminated at offset %d", ErrFormat, off)
		}
		name := string(nameb[:namesize-1])
		off = align4(off + namesize)
		if name == trailer {
			return out, nil
		}
		if size < 0 || off > len(data) || size > len(data)-off {
			return nil, fmt.Errorf("%w: %q: data runs past the end", ErrFormat, name)
		}
		out = append(out, Entry{Name: name, Mode: mode, Data: append([]byte(nil), data[off:off+size]...)})
		off = align4(off + size)
	}
}

func align4(n int) int { return (n + 3) &^ 3 }
