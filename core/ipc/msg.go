package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// skalibs' unixmessage framing, which s6-sudo and s6-fdholder speak: every
// message is a 6-byte header (data length, 32 bits big-endian; descriptor
// count, 16 bits big-endian) followed by the data, the descriptors riding
// with the header's first byte as SCM_RIGHTS.

// MaxMsgFDs is the most descriptors one message carries: Linux's
// SCM_MAX_FD (skalibs 2.14's UNIXMESSAGE_MAXFDS).
const MaxMsgFDs = 253

// maxRecvFDs is what a receiver accepts: skalibs 2.13 (Debian's) allowed 255.
const maxRecvFDs = 255

// DefaultMaxMsg bounds a received message's data unless the receiver says
// otherwise.
const DefaultMaxMsg = 1 << 20

// ErrProtocol is a framing violation: a message too large, descriptors
// missing or unexpected.
var ErrProtocol = errors.New("protocol error")

// Msg is one message: its data and the descriptors that came with it
// (close-on-exec, owned by the receiver).
type Msg struct {
	Data []byte
	FDs  []int
}

// Close closes the message's descriptors.
func (m *Msg) Close() {
	closeAll(m.FDs)
	m.FDs = nil
}

// SendMsg writes one framed message on c.
func SendMsg(c *Conn, data []byte, fds ...int) error {
	if len(fds) > MaxMsgFDs {
		return fmt.Errorf("%d descriptors in one message: %w", len(fds), ErrProtocol)
	}
	if uint64(len(data)) > 1<<28 {
		return fmt.Errorf("message of %d bytes: %w", len(data), ErrProtocol)
	}
	b := make([]byte, 6+len(data))
	binary.BigEndian.PutUint32(b, uint32(len(data)))
	binary.BigEndian.PutUint16(b[4:], uint16(len(fds)))
	copy(b[6:], data)
	_, err := c.WriteMsg(b, fds...)
	return err
}

// Receiver reads framed messages from a connection.
type Receiver struct {
	c     *Conn
	Max   int    // largest data accepted (DefaultMaxMsg when 0)
	buf   []byte // bytes read past the current message
	fds   []int  // descriptors received and not yet handed out
	chunk []byte
}

// NewReceiver reads messages from c.
func NewReceiver(c *Conn) *Receiver { return &Receiver{c: c} }

// fill reads once more from the socket.
func (r *Receiver) fill() error {
	if r.chunk == nil {
		r.chunk = make([]byte, 8192)
	}
	n, fds, err := r.c.ReadMsg(r.chunk, maxRecvFDs)
	r.fds = append(r.fds, fds...)
	r.buf = append(r.buf, r.chunk[:n]...)
	return err
}

// Recv returns the next message. At a clean end of stream (nothing pending)
// it returns io.EOF; a stream that ends inside a message is
// io.ErrUnexpectedEOF. Oversized or inconsistent messages are ErrProtocol,
// after which the connection must be dropped.
func (r *Receiver) Recv() (Msg, error) {
	max := r.Max
	if max <= 0 {
		max = DefaultMaxMsg
	}
	for len(r.buf) < 6 {
		if err := r.fill(); err != nil {
			if err == io.EOF && len(r.buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return Msg{}, err
		}
	}
	size := binary.BigEndian.Uint32(r.buf)
	nfds := int(binary.BigEndian.Uint16(r.buf[4:]))
	if uint64(size) > uint64(max) || nfds > maxRecvFDs {
		return Msg{}, fmt.Errorf("message of %d bytes and %d descriptors: %w", size, nfds, ErrProtocol)
	}
	// The descriptors ride with the header's first byte: by now they are
	// here, or they were never sent.
	if len(r.fds) < nfds || len(r.fds) > nfds+maxRecvFDs {
		return Msg{}, fmt.Errorf("%d descriptors announced, %d received: %w", nfds, len(r.fds), ErrProtocol)
	}
	for uint64(len(r.buf)) < 6+uint64(size) {
		if err := r.fill(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Msg{}, err
		}
	}
	m := Msg{Data: append([]byte(nil), r.buf[6:6+size]...)}
	r.buf = append(r.buf[:0], r.buf[6+size:]...)
	if nfds > 0 {
		m.FDs = append([]int(nil), r.fds[:nfds]...)
		r.fds = append(r.fds[:0], r.fds[nfds:]...)
	}
	return m, nil
}

// Close closes descriptors received and not handed out.
func (r *Receiver) Close() {
	closeAll(r.fds)
	r.fds = nil
}

// CloseFDs closes a list of descriptors.
func CloseFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
