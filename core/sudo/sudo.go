// Package sudo is s6-sudo's protocol between s6-sudoc (the client) and
// s6-sudod (the server, run under s6-ipcserver):
//
//  1. the server writes BannerB;
//  2. the client sends one unixmessage (core/ipc) carrying its descriptors
//     0, 1 and 2 and BannerA, four 32-bit big-endian numbers (argument
//     count, environment count, arguments' length, environment's length),
//     then the arguments and the environment, each NUL-terminated;
//  3. the server answers one byte: 0 when the program started, else an
//     errno value;
//  4. when the program ends, the server writes its wait status (32 bits
//     big-endian).
//
// The client's environment only fills in variables that the server's own
// environment defines as empty: what a client may set is decided on the
// server's side (by its envdir, or by the access rules' env/).
package sudo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// The banners, byte for byte as s6 has them.
const (
	BannerB = "s6-sudo b v1.0\n"
	BannerA = "s6-sudo a v1.0\n"
)

// MaxCount bounds the number of arguments and of variables a client sends.
const MaxCount = 131072

// ErrRequest is a malformed request.
var ErrRequest = errors.New("bad request")

// Request is what the client asks for.
type Request struct {
	Args []string // appended to the server's command line
	Env  []string // NAME=value
}

// Encode is the message data of r (step 2, without the descriptors).
func Encode(r Request) []byte {
	var args, env []byte
	for _, a := range r.Args {
		args = append(append(args, a...), 0)
	}
	for _, e := range r.Env {
		env = append(append(env, e...), 0)
	}
	b := make([]byte, 0, len(BannerA)+16+len(args)+len(env))
	b = append(b, BannerA...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Args)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Env)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(args)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(env)))
	b = append(b, args...)
	return append(b, env...)
}

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRequest, fmt.Sprintf(format, a...))
}

// Parse checks and decodes a request's data. Environment entries must be
// NAME=value.
func Parse(data []byte) (Request, error) {
	if len(data) < len(BannerA)+16 {
		return Request{}, bad("wrong client message")
	}
	if string(data[:len(BannerA)]) != BannerA {
		return Request{}, bad("wrong client banner")
	}
	h := data[len(BannerA):]
	argc := binary.BigEndian.Uint32(h)
	envc := binary.BigEndian.Uint32(h[4:])
	arglen := binary.BigEndian.Uint32(h[8:])
	envlen := binary.BigEndian.Uint32(h[12:])
	body := h[16:]
	if uint64(arglen)+uint64(envlen) != uint64(len(body)) {
		return Request{}, bad("wrong client argc/envlen")
	}
	if argc > MaxCount || envc > MaxCount {
		return Request{}, bad("too many args/envvars from client")
	}
	args, err := split(body[:arglen], int(argc))
	if err != nil {
		return Request{}, bad("client argv: %v", err)
	}
	env, err := split(body[arglen:], int(envc))
	if err != nil {
		return Request{}, bad("client envp: %v", err)
	}
	for _, e := range env {
		if strings.IndexByte(e, '=') < 0 {
			return Request{}, bad("bad environment from client")
		}
	}
	return Request{Args: args, Env: env}, nil
}

// split takes n NUL-terminated strings from b (trailing bytes are allowed,
// as s6 allows them).
func split(b []byte, n int) ([]string, error) {
	out := make([]string, 0, min(n, 1024))
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return nil, fmt.Errorf("%d strings announced, %d found", n, i)
		}
		out = append(out, string(b[:j]))
		b = b[j+1:]
	}
	return out, nil
}

// MergeEnv is the program's environment: server's, where every variable
// the server defines as empty takes the client's value if the client has
// one. Nothing else of the client's environment passes.
func MergeEnv(server, client []string) []string {
	out := append([]string(nil), server...)
	for _, kv := range client {
		name := kv[:strings.IndexByte(kv, '=')+1]
		for i, s := range out {
			if s == name {
				out[i] = kv
				break
			}
		}
	}
	return out
}

// Status encodes a wait status for step 4.
func Status(ws syscall.WaitStatus) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(ws))
}

// ExitCode is what s6-sudoc exits with for a wait status: the program's
// exit code (128 for codes above 127), or 128 + the signal that killed it.
func ExitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if c := ws.ExitStatus(); c < 128 {
		return c
	}
	return 128
}
