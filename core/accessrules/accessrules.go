// Package accessrules is s6's access-control ruleset (libs6 accessrules):
// a key such as "uid/1000" looked up in a rules directory (DIR/uid/1000/
// with allow or deny, env/, exec) or in the cdb that
// s6-accessrules-cdb-from-fs compiles from it, with the same verdicts, the
// same environment and exec data, and the same on-disk and cdb formats as
// s6, so rulesets move freely between s6's tools and ours.
package accessrules

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"s6box/core/cdb"
	"s6box/core/envdir"
	"s6box/core/rawio"
)

// Result is a lookup's verdict.
type Result int

const (
	NotFound Result = iota // no rule for the key
	Allow
	Deny
)

func (r Result) String() string {
	switch r {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "not found"
}

// MaxEnv and MaxExec bound a rule's environment (as compiled) and exec
// command line, as s6 does.
const (
	MaxEnv  = 4096
	MaxExec = 4096
)

// ErrInvalid is malformed rule data in a cdb.
var ErrInvalid = errors.New("invalid accessrules data")

// ErrTooBig is an env directory that compiles to more than MaxEnv bytes.
var ErrTooBig = errors.New("environment too big")

// Params is what an allowing rule carries: environment modifications in
// skalibs' form ("NAME=value\0" sets, "NAME\0" unsets) and a command line
// for execlineb -Pc (empty when the rule has none).
type Params struct {
	Env  []byte
	Exec string
}

// Changes decodes p.Env.
func (p Params) Changes() []envdir.Change {
	var out []envdir.Change
	for _, kv := range strings.Split(string(p.Env), "\x00") {
		if kv == "" {
			continue
		}
		if i := strings.IndexByte(kv, '='); i >= 0 {
			out = append(out, envdir.Change{Name: kv[:i], Value: kv[i+1:]})
		} else {
			out = append(out, envdir.Change{Name: kv, Unset: true})
		}
	}
	return out
}

// encodeEnv is the inverse of Changes.
func encodeEnv(cs []envdir.Change) []byte {
	var b []byte
	for _, c := range cs {
		b = append(b, c.Name...)
		if !c.Unset {
			b = append(b, '=')
			b = append(b, c.Value...)
		}
		b = append(b, 0)
	}
	return b
}

// Backend looks one key up.
type Backend interface {
	Lookup(key string) (Result, Params, error)
}

// Dir is a rules directory (s6-ipcserver-access -i).
type Dir string

// Lookup reads DIR/KEY/allow, then deny, env/ and exec.
func (d Dir) Lookup(key string) (Result, Params, error) {
	base := string(d) + "/" + key + "/"
	if err := syscall.Access(base+"allow", 4); err != nil {
		if err != syscall.ENOENT && err != syscall.EACCES && err != syscall.ENOTDIR {
			return NotFound, Params{}, &os.PathError{Op: "access", Path: base + "allow", Err: err}
		}
		err = syscall.Access(base+"deny", 4)
		switch err {
		case nil:
			return Deny, Params{}, nil
		case syscall.ENOENT, syscall.EACCES, syscall.ENOTDIR:
			return NotFound, Params{}, nil
		}
		return NotFound, Params{}, &os.PathError{Op: "access", Path: base + "deny", Err: err}
	}
	var p Params
	cs, err := envdir.Read(base+"env", envdir.Options{})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return NotFound, Params{}, err
	}
	p.Env = encodeEnv(cs)
	ex, err := rawio.ReadRegular(base+"exec", 0, MaxExec)
	if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, os.ErrPermission) {
		return NotFound, Params{}, err
	}
	p.Exec = string(ex)
	return Allow, p, nil
}

// CDB is a compiled ruleset (s6-ipcserver-access -x).
type CDB struct{ DB *cdb.DB }

// Lookup finds key in the database and decodes its rule.
func (c CDB) Lookup(key string) (Result, Params, error) {
	data, ok, err := c.DB.Find([]byte(key))
	if err != nil {
		return NotFound, Params{}, err
	}
	if !ok {
		return NotFound, Params{}, nil
	}
	return Decode(data)
}

// Decode reads a rule as the cdb stores it: "D" denies; "A", the
// environment's length (16 bits big-endian), the environment, the exec
// line's length and the exec line allows. Any other first byte is no rule.
func Decode(data []byte) (Result, Params, error) {
	if len(data) == 0 || len(data) > 5+MaxEnv+MaxExec {
		return NotFound, Params{}, fmt.Errorf("%d bytes: %w", len(data), ErrInvalid)
	}
	switch data[0] {
	case 'D':
		return Deny, Params{}, nil
	case 'A':
	default:
		return NotFound, Params{}, nil
	}
	if len(data) < 5 {
		return NotFound, Params{}, fmt.Errorf("allow rule of %d bytes: %w", len(data), ErrInvalid)
	}
	envlen := int(binary.BigEndian.Uint16(data[1:]))
	if envlen > MaxEnv || 5+envlen > len(data) {
		return NotFound, Params{}, fmt.Errorf("environment length %d: %w", envlen, ErrInvalid)
	}
	execlen := int(binary.BigEndian.Uint16(data[3+envlen:]))
	if execlen > MaxExec || 5+envlen+execlen != len(data) {
		return NotFound, Params{}, fmt.Errorf("exec length %d: %w", execlen, ErrInvalid)
	}
	p := Params{Exec: string(data[5+envlen:])}
	if envlen > 0 {
		p.Env = append([]byte(nil), data[3:3+envlen]...)
	}
	return Allow, p, nil
}

// Encode is the inverse of Decode for Allow and Deny.
func Encode(r Result, p Params) []byte {
	if r != Allow {
		return []byte{'D'}
	}
	b := make([]byte, 0, 5+len(p.Env)+len(p.Exec))
	b = append(b, 'A')
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Env)))
	b = append(b, p.Env...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.Exec)))
	return append(b, p.Exec...)
}

// CheckUIDGID is s6_accessrules_keycheck_uidgid: uid/self (when uid is
// euid, the checking process's), uid/UID, gid/self (when gid is egid),
// gid/GID, uid/default; the first key found decides.
func CheckUIDGID(b Backend, uid, gid, euid, egid int) (Result, Params, error) {
	keys := make([]string, 0, 5)
	if uid == euid {
		keys = append(keys, "uid/self")
	}
	keys = append(keys, "uid/"+strconv.Itoa(uid))
	if gid == egid {
		keys = append(keys, "gid/self")
	}
	keys = append(keys, "gid/"+strconv.Itoa(gid), "uid/default")
	for _, k := range keys {
		r, p, err := b.Lookup(k)
		if err != nil || r != NotFound {
			return r, p, err
		}
	}
	return NotFound, Params{}, nil
}
