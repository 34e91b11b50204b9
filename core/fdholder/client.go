package fdholder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"syscall"
	"time"

	"s6box/core/ipc"
	"s6box/core/tai64n"
)

// Client is a connection to an fd holder.
type Client struct {
	c *ipc.Conn
	r *ipc.Receiver
}

// Dial connects to the holder at path.
func Dial(path string) (*Client, error) {
	c, err := ipc.Dial(path)
	if err != nil {
		return nil, err
	}
	r := ipc.NewReceiver(c)
	r.Max = 1 << 24
	return &Client{c: c, r: r}, nil
}

// SetDeadline bounds every exchange from now on (zero: none).
func (cl *Client) SetDeadline(t time.Time) {
	cl.c.SetReadDeadline(t)
	cl.c.SetWriteDeadline(t)
}

// Close ends the connection.
func (cl *Client) Close() error {
	cl.r.Close()
	return cl.c.Close()
}

// ServerError is an errno the holder answered.
type ServerError struct{ Errno syscall.Errno }

func (e *ServerError) Error() string { return e.Errno.Error() }

// Unwrap makes errors.Is(err, syscall.ENOENT) work.
func (e *ServerError) Unwrap() error { return e.Errno }

func (cl *Client) call(req []byte, fds ...int) (ipc.Msg, error) {
	if err := ipc.SendMsg(cl.c, req, fds...); err != nil {
		return ipc.Msg{}, err
	}
	return cl.r.Recv()
}

// status reads a one-byte answer.
func status(m ipc.Msg, err error) error {
	if err != nil {
		return err
	}
	if len(m.Data) != 1 || len(m.FDs) != 0 {
		m.Close()
		return protoErr("unexpected answer")
	}
	if m.Data[0] != 0 {
		return &ServerError{syscall.Errno(m.Data[0])}
	}
	return nil
}

// Store gives the holder a copy of fd under id until limit.
func (cl *Client) Store(fd int, id string, limit tai64n.Stamp) error {
	if err := CheckID(id); err != nil {
		return err
	}
	b := append([]byte{byte(OpStore)}, limit.Bytes()...)
	return status(cl.call(appendID(b, id), fd))
}

// Delete makes the holder close id.
func (cl *Client) Delete(id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	return status(cl.call(appendID([]byte{byte(OpDelete)}, id)))
}

// Retrieve returns a copy of the descriptor held as id (close-on-exec),
// removing it from the holder when del is set.
func (cl *Client) Retrieve(id string, del bool) (int, error) {
	if err := CheckID(id); err != nil {
		return -1, err
	}
	d := byte(0)
	if del {
		d = 1
	}
	m, err := cl.call(appendID([]byte{byte(OpRetrieve), d}, id))
	if err != nil {
		return -1, err
	}
	switch {
	case len(m.Data) != 1:
	case m.Data[0] != 0 && len(m.FDs) == 0:
		return -1, &ServerError{syscall.Errno(m.Data[0])}
	case m.Data[0] == 0 && len(m.FDs) == 1:
		return m.FDs[0], nil
	}
	m.Close()
	return -1, protoErr("unexpected answer to retrieve")
}

// List returns the names held.
func (cl *Client) List() ([]string, error) {
	m, err := cl.call([]byte{byte(OpList)})
	if err != nil {
		return nil, err
	}
	if len(m.FDs) != 0 || len(m.Data) == 0 {
		m.Close()
		return nil, protoErr("unexpected answer to list")
	}
	if m.Data[0] != 0 {
		return nil, &ServerError{syscall.Errno(m.Data[0])}
	}
	if len(m.Data) < 5 {
		return nil, protoErr("truncated list")
	}
	n := binary.BigEndian.Uint32(m.Data[1:])
	body := m.Data[5:]
	if uint32(bytes.Count(body, []byte{0})) != n || (n > 0 && body[len(body)-1] != 0) {
		return nil, protoErr("list count mismatch")
	}
	ids := make([]string, 0, n)
	for len(body) > 0 {
		i := bytes.IndexByte(body, 0)
		ids = append(ids, string(body[:i]))
		body = body[i+1:]
	}
	return ids, nil
}

// GetDump returns every held descriptor (copies, close-on-exec) with its
// name and limit.
func (cl *Client) GetDump() ([]Entry, error) {
	m, err := cl.call([]byte{byte(OpGetDump)})
	if err != nil {
		return nil, err
	}
	if len(m.FDs) != 0 || len(m.Data) == 0 {
		m.Close()
		return nil, protoErr("unexpected answer to getdump")
	}
	if m.Data[0] != 0 {
		return nil, &ServerError{syscall.Errno(m.Data[0])}
	}
	if len(m.Data) != 9 {
		return nil, protoErr("bad getdump header")
	}
	n := binary.BigEndian.Uint32(m.Data[1:])
	total := binary.BigEndian.Uint32(m.Data[5:])
	if (total == 0) != (n == 0) || n > total {
		return nil, protoErr("bad getdump counts")
	}
	var out []Entry
	fail := func(err error) ([]Entry, error) {
		for _, e := range out {
			syscall.Close(e.FD)
		}
		return nil, err
	}
	for i := uint32(0); i < n; i++ {
		m, err := cl.r.Recv()
		if err != nil {
			return fail(err)
		}
		entries, err := parseEntries(m.Data, len(m.FDs))
		if err != nil || uint64(len(out))+uint64(len(entries)) > uint64(total) {
			m.Close()
			return fail(protoErr("bad getdump chunk"))
		}
		for _, e := range entries {
			e.FD = m.FDs[e.FD]
			out = append(out, e)
		}
	}
	if uint32(len(out)) != total {
		return fail(protoErr("getdump count mismatch"))
	}
	return out, nil
}

// SetDump gives the holder every entry's descriptor (replacing names it
// already holds).
func (cl *Client) SetDump(entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if err := CheckID(e.ID); err != nil {
			return err
		}
	}
	req := []byte{byte(OpSetDump), 0, 0, 0, 0}
	binary.BigEndian.PutUint32(req[1:], uint32(len(entries)))
	m, err := cl.call(req)
	if err != nil {
		return err
	}
	if len(m.FDs) != 0 || len(m.Data) == 0 {
		m.Close()
		return protoErr("unexpected answer to setdump")
	}
	if m.Data[0] != 0 {
		return &ServerError{syscall.Errno(m.Data[0])}
	}
	if len(m.Data) != 5 {
		return protoErr("bad setdump answer")
	}
	for i := 0; i < len(entries); i += MaxFDsPerMsg {
		chunk := entries[i:min(i+MaxFDsPerMsg, len(entries))]
		b := []byte{byte(OpDumpData)}
		fds := make([]int, 0, len(chunk))
		for _, e := range chunk {
			b = appendEntry(b, e)
			fds = append(fds, e.FD)
		}
		err := status(cl.call(b, fds...))
		last := i+MaxFDsPerMsg >= len(entries)
		var se *ServerError
		switch {
		case err == nil && last:
			return nil
		case err == nil:
			return protoErr("setdump ended early")
		case !last && asServerError(err, &se) && se.Errno == syscall.EAGAIN:
			continue
		default:
			return fmt.Errorf("setdump: %w", err)
		}
	}
	return nil
}

func asServerError(err error, se **ServerError) bool {
	e, ok := err.(*ServerError)
	if ok {
		*se = e
	}
	return ok
}
