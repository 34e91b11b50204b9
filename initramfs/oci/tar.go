package oci

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"s6box/initramfs"
)

// writeTar writes entries as a POSIX ustar archive: sorted by name (parents
// first), owner 0:0, every mtime the given one, no user or group names, so
// equal entries give equal bytes. Names up to 255 bytes are split into
// ustar's prefix and name fields; symlink targets must fit in 100 bytes.
func writeTar(w io.Writer, entries []initramfs.Entry, mtime int64) error {
	sorted := append([]initramfs.Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, e := range sorted {
		hdr, err := tarHeader(e, mtime)
		if err != nil {
			return err
		}
		if _, err := w.Write(hdr); err != nil {
			return fmt.Errorf("tar: write: %w", err)
		}
		if e.Mode&initramfs.TypeMask == initramfs.TypeReg && len(e.Data) > 0 {
			if _, err := w.Write(e.Data); err != nil {
				return fmt.Errorf("tar: write: %w", err)
			}
			if pad := (512 - len(e.Data)%512) % 512; pad > 0 {
				if _, err := w.Write(make([]byte, pad)); err != nil {
					return fmt.Errorf("tar: write: %w", err)
				}
			}
		}
	}
	if _, err := w.Write(make([]byte, 1024)); err != nil {
		return fmt.Errorf("tar: write: %w", err)
	}
	return nil
}

func tarHeader(e initramfs.Entry, mtime int64) ([]byte, error) {
	h := make([]byte, 512)
	name := e.Name
	var flag byte
	size := 0
	link := ""
	switch e.Mode & initramfs.TypeMask {
	case initramfs.TypeReg:
		flag, size = '0', len(e.Data)
	case initramfs.TypeDir:
		flag, name = '5', name+"/"
	case initramfs.TypeSymlink:
		flag, link = '2', string(e.Data)
	case initramfs.TypeFifo:
		flag = '6'
	default:
		return nil, fmt.Errorf("tar: %s: unsupported file type %o", e.Name, e.Mode&initramfs.TypeMask)
	}
	prefix := ""
	if len(name) > 100 {
		// Split at a slash so that the prefix has at most 155 bytes and
		// the rest at most 100.
		cut := -1
		for i := len(name) - 1; i > 0; i-- {
			if name[i] == '/' && i <= 155 && len(name)-i-1 <= 100 && len(name)-i-1 > 0 {
				cut = i
				break
			}
		}
		if cut < 0 {
			return nil, fmt.Errorf("tar: name too long for ustar: %s", e.Name)
		}
		prefix, name = name[:cut], name[cut+1:]
	}
	if len(link) > 100 {
		return nil, fmt.Errorf("tar: symlink target of %s longer than 100 bytes", e.Name)
	}
	copy(h[0:100], name)
	octal(h[100:108], int64(e.Mode&0o7777))
	octal(h[108:116], 0)
	octal(h[116:124], 0)
	octal(h[124:136], int64(size))
	octal(h[136:148], mtime)
	copy(h[148:156], "        ")
	h[156] = flag
	copy(h[157:257], link)
	copy(h[257:265], "ustar\x0000")
	octal(h[329:337], 0)
	octal(h[337:345], 0)
	copy(h[345:500], prefix)
	sum := 0
	for _, b := range h {
		sum += int(b)
	}
	octal(h[148:155], int64(sum))
	h[155] = ' '
	return h, nil
}

// octal writes n zero-padded in the field, NUL-terminated.
func octal(field []byte, n int64) {
	s := strconv.FormatInt(n, 8)
	for len(s) < len(field)-1 {
		s = "0" + s
	}
	copy(field, s)
	field[len(field)-1] = 0
}
