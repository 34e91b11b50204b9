// Package fdholder is s6's fd holder (s6-fdholderd and its clients): a
// daemon that keeps descriptors under names, so that a socket or a pipe
// outlives the processes that use it, with the same wire protocol as s6
// (skalibs unixmessages, see core/ipc) so that s6's clients and servers
// and ours mix.
//
// Requests, first byte then fields (TAIN is a 12-byte TAI64N label, ID a
// name of 1 to 255 bytes sent as its length, its bytes and a NUL):
//
//	S TAIN ID         store the one descriptor sent along, until TAIN
//	D ID              delete
//	R DEL ID          retrieve (and delete when DEL is not 0)
//	L                 list the names
//	?                 get the whole dump
//	! COUNT           announce a dump of COUNT descriptors, then send
//	. (TAIN ID)...    dump chunks, one descriptor per entry
//
// Answers start with 0 for success or an errno value.
package fdholder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"s6box/core/tai64n"
)

// MaxID is the longest name; MaxConn the most clients a server takes.
const (
	MaxID   = 255
	MaxConn = 256
)

// ErrProto is a malformed request or answer: the connection is dropped.
var ErrProto = errors.New("fdholder protocol error")

// Op is a request's kind, its first byte.
type Op byte

const (
	OpStore    Op = 'S'
	OpDelete   Op = 'D'
	OpRetrieve Op = 'R'
	OpList     Op = 'L'
	OpGetDump  Op = '?'
	OpSetDump  Op = '!'
	OpDumpData Op = '.'
)

// Entry is one held descriptor as a dump carries it.
type Entry struct {
	ID    string
	Limit tai64n.Stamp // when the holder closes it
	FD    int
}

// Request is a parsed request (descriptors are counted, not held).
type Request struct {
	Op      Op
	ID      string       // S, D, R
	Limit   tai64n.Stamp // S
	Delete  bool         // R
	Count   uint32       // !
	Entries []Entry      // . (FD is the index of the descriptor in the message)
}

func protoErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrProto, fmt.Sprintf(format, a...))
}

// parseID reads LEN ID NUL at the start of b and returns the id and the
// rest.
func parseID(b []byte) (string, []byte, error) {
	if len(b) < 2 {
		return "", nil, protoErr("truncated id")
	}
	n := int(b[0])
	if len(b) < n+2 || b[n+1] != 0 || bytes.IndexByte(b[1:n+1], 0) >= 0 {
		return "", nil, protoErr("malformed id")
	}
	return string(b[1 : n+1]), b[n+2:], nil
}

// ParseRequest checks a request and the number of descriptors sent with
// it, as s6-fdholderd does.
func ParseRequest(data []byte, nfds int) (Request, error) {
	if len(data) == 0 {
		return Request{}, protoErr("empty message")
	}
	r := Request{Op: Op(data[0])}
	b := data[1:]
	var err error
	switch r.Op {
	case OpStore:
		if nfds != 1 || len(b) < tai64n.Size+3 {
			return Request{}, protoErr("bad store request")
		}
		r.Limit = tai64n.Get(b)
		var rest []byte
		if r.ID, rest, err = parseID(b[tai64n.Size:]); err != nil || len(rest) != 0 {
			return Request{}, protoErr("bad store request")
		}
	case OpDelete:
		var rest []byte
		if nfds != 0 {
			return Request{}, protoErr("descriptor sent with a delete request")
		}
		if r.ID, rest, err = parseID(b); err != nil || len(rest) != 0 || r.ID == "" {
			return Request{}, protoErr("bad delete request")
		}
	case OpRetrieve:
		var rest []byte
		if nfds != 0 || len(b) < 3 {
			return Request{}, protoErr("bad retrieve request")
		}
		r.Delete = b[0] != 0
		if r.ID, rest, err = parseID(b[1:]); err != nil || len(rest) != 0 || r.ID == "" {
			return Request{}, protoErr("bad retrieve request")
		}
	case OpList, OpGetDump:
		if nfds != 0 || len(b) != 0 {
			return Request{}, protoErr("bad %c request", r.Op)
		}
	case OpSetDump:
		if nfds != 0 || len(b) != 4 {
			return Request{}, protoErr("bad setdump request")
		}
		r.Count = binary.BigEndian.Uint32(b)
	case OpDumpData:
		if nfds == 0 || len(b) < nfds*(tai64n.Size+3) {
			return Request{}, protoErr("bad dump chunk")
		}
		r.Entries, err = parseEntries(b, nfds)
		if err != nil {
			return Request{}, err
		}
	default:
		return Request{}, protoErr("unknown request %q", data[0])
	}
	return r, nil
}

// parseEntries reads n (TAIN ID) entries filling b exactly.
func parseEntries(b []byte, n int) ([]Entry, error) {
	out := make([]Entry, 0, n)
	for i := 0; i < n; i++ {
		if len(b) < tai64n.Size+3 {
			return nil, protoErr("truncated dump entry")
		}
		e := Entry{Limit: tai64n.Get(b), FD: i}
		var err error
		if e.ID, b, err = parseID(b[tai64n.Size:]); err != nil || e.ID == "" {
			return nil, protoErr("bad dump entry")
		}
		out = append(out, e)
	}
	if len(b) != 0 {
		return nil, protoErr("trailing bytes after the dump entries")
	}
	return out, nil
}

func appendID(b []byte, id string) []byte {
	b = append(b, byte(len(id)))
	b = append(b, id...)
	return append(b, 0)
}

func appendEntry(b []byte, e Entry) []byte {
	b = append(b, e.Limit.Bytes()...)
	return appendID(b, e.ID)
}

// CheckID refuses names a holder cannot keep.
func CheckID(id string) error {
	if id == "" || len(id) > MaxID || bytes.IndexByte([]byte(id), 0) >= 0 {
		return fmt.Errorf("invalid identifier %q: 1 to %d bytes, no NUL", id, MaxID)
	}
	return nil
}

// chunks is how many messages carry n descriptors.
func chunks(n int, per int) int {
	if n == 0 {
		return 0
	}
	return 1 + (n-1)/per
}
