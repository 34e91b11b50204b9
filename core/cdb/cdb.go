// Package cdb reads and writes D. J. Bernstein's constant databases, the
// format of s6's compiled access rules (s6-accessrules-cdb-from-fs): a
// 2048-byte table of 256 (position, slot count) pairs, the records (key
// length, data length, key, data), then 256 open-addressing hash tables of
// (hash, record position) slots. Every number is 32 bits little-endian.
//
// The reader works on a byte slice read whole (rules files are small) and
// checks every offset against it, so a corrupt or hostile file gives an
// error, never a panic or a read out of bounds.
package cdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"s6box/core/rawio"
)

// ErrFormat is a database that is not a well-formed cdb.
var ErrFormat = errors.New("invalid cdb")

// MaxSize bounds what Open reads: a cdb cannot exceed 4 GiB, and access
// rules are far smaller.
const MaxSize = 64 << 20

const headerSize = 2048

// Hash is the cdb hash of key.
func Hash(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = (h + h<<5) ^ uint32(c)
	}
	return h
}

// DB is a database held in memory.
type DB struct {
	data []byte
}

// New checks data's header and returns the database it holds.
func New(data []byte) (*DB, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("%d bytes: %w", len(data), ErrFormat)
	}
	return &DB{data: data}, nil
}

// Open reads the database at path (at most MaxSize bytes).
func Open(path string) (*DB, error) {
	b, err := rawio.ReadRegular(path, 0, MaxSize+1)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxSize)
	}
	db, err := New(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

func (db *DB) u32(pos uint64) (uint32, bool) {
	if pos+4 > uint64(len(db.data)) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(db.data[pos:]), true
}

// record returns the key and data of the record at pos.
func (db *DB) record(pos uint64) (key, data []byte, err error) {
	klen, ok1 := db.u32(pos)
	dlen, ok2 := db.u32(pos + 4)
	end := pos + 8 + uint64(klen) + uint64(dlen)
	if !ok1 || !ok2 || end > uint64(len(db.data)) {
		return nil, nil, fmt.Errorf("record at %d: %w", pos, ErrFormat)
	}
	k := pos + 8
	return db.data[k : k+uint64(klen)], db.data[k+uint64(klen) : end], nil
}

// Find returns the data of the first record whose key is key, ok false
// when there is none.
func (db *DB) Find(key []byte) (data []byte, ok bool, err error) {
	h := Hash(key)
	tpos, _ := db.u32(uint64(h&255) * 8)
	slots, _ := db.u32(uint64(h&255)*8 + 4)
	if slots == 0 {
		return nil, false, nil
	}
	if uint64(tpos)+uint64(slots)*8 > uint64(len(db.data)) {
		return nil, false, fmt.Errorf("hash table %d: %w", h&255, ErrFormat)
	}
	start := (h >> 8) % slots
	for i := uint32(0); i < slots; i++ {
		s := uint64(tpos) + uint64((start+i)%slots)*8
		sh, _ := db.u32(s)
		rpos, _ := db.u32(s + 4)
		if rpos == 0 {
			return nil, false, nil
		}
		if sh != h {
			continue
		}
		k, d, err := db.record(uint64(rpos))
		if err != nil {
			return nil, false, err
		}
		if string(k) == string(key) {
			return d, true, nil
		}
	}
	return nil, false, nil
}

// Each calls fn for every record in file order, as cdb traversal does; it
// stops at fn's first error and returns it.
func (db *DB) Each(fn func(key, data []byte) error) error {
	// The records end where the first hash table begins.
	end := uint64(len(db.data))
	for i := uint64(0); i < 256; i++ {
		p, _ := db.u32(i * 8)
		if uint64(p) < end {
			end = uint64(p)
		}
	}
	if end < headerSize {
		return fmt.Errorf("hash table inside the header: %w", ErrFormat)
	}
	for pos := uint64(headerSize); pos < end; {
		k, d, err := db.record(pos)
		if err != nil {
			return err
		}
		if err := fn(k, d); err != nil {
			return err
		}
		pos += 8 + uint64(len(k)) + uint64(len(d))
	}
	return nil
}

// Writer receives the records of a database being built (Build, Bytes).
type Writer struct {
	w     io.Writer
	pos   uint64
	slots [256][]slot
	err   error
}

type slot struct{ hash, pos uint32 }

// newWriter starts the records of a database on w; the header comes last.
func newWriter(w io.Writer) *Writer {
	return &Writer{w: w, pos: headerSize}
}

func (cw *Writer) write(b []byte) {
	if cw.err != nil {
		return
	}
	_, cw.err = cw.w.Write(b)
	cw.pos += uint64(len(b))
	if cw.pos > 1<<32-1 {
		cw.err = errors.New("cdb: database larger than 4 GiB")
	}
}

// Add appends a record.
func (cw *Writer) Add(key, data []byte) error {
	if cw.err != nil {
		return cw.err
	}
	h := Hash(key)
	cw.slots[h&255] = append(cw.slots[h&255], slot{h, uint32(cw.pos)})
	var n [8]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(key)))
	binary.LittleEndian.PutUint32(n[4:], uint32(len(data)))
	cw.write(n[:])
	cw.write(key)
	cw.write(data)
	return cw.err
}

// finish writes the hash tables and returns the header.
func (cw *Writer) finish() ([]byte, error) {
	header := make([]byte, headerSize)
	for i := range cw.slots {
		list := cw.slots[i]
		n := uint32(len(list)) * 2
		binary.LittleEndian.PutUint32(header[i*8:], uint32(cw.pos))
		binary.LittleEndian.PutUint32(header[i*8+4:], n)
		table := make([]slot, n)
		for _, s := range list {
			j := (s.hash >> 8) % n
			for table[j].pos != 0 {
				j = (j + 1) % n
			}
			table[j] = s
		}
		b := make([]byte, 8*n)
		for j, s := range table {
			binary.LittleEndian.PutUint32(b[j*8:], s.hash)
			binary.LittleEndian.PutUint32(b[j*8+4:], s.pos)
		}
		cw.write(b)
	}
	return header, cw.err
}

// Build writes a whole database to f (an empty file, positioned at 0):
// add is called with the Writer to add the records.
func Build(f *os.File, add func(*Writer) error) error {
	if _, err := f.Seek(headerSize, io.SeekStart); err != nil {
		return err
	}
	bw := &bufWriter{f: f}
	cw := newWriter(bw)
	if err := add(cw); err != nil {
		return err
	}
	header, err := cw.finish()
	if err == nil {
		err = bw.flush()
	}
	if err == nil {
		_, err = f.WriteAt(header, 0)
	}
	return err
}

// bufWriter batches the records' small writes.
type bufWriter struct {
	f   *os.File
	buf []byte
}

func (b *bufWriter) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if len(b.buf) >= 64<<10 {
		return len(p), b.flush()
	}
	return len(p), nil
}

func (b *bufWriter) flush() error {
	_, err := b.f.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Bytes builds a database in memory (tests, fuzzing).
func Bytes(add func(*Writer) error) ([]byte, error) {
	var out memWriter
	cw := newWriter(&out)
	if err := add(cw); err != nil {
		return nil, err
	}
	header, err := cw.finish()
	if err != nil {
		return nil, err
	}
	return append(header, out...), nil
}

type memWriter []byte

func (m *memWriter) Write(p []byte) (int, error) { *m = append(*m, p...); return len(p), nil }
