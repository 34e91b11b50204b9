package oci

import (
	"archive/tar"
	"bytes"
	"io"
	"strings"
	"testing"

	"s6box/initramfs"
)

// Our ustar writer read back by the standard library's reader.
func TestTarReadBack(t *testing.T) {
	long := strings.Repeat("d", 120) + "/" + strings.Repeat("f", 90)
	in := []initramfs.Entry{
		{Name: "bin", Mode: initramfs.TypeDir | 0o755},
		{Name: "bin/s6box", Mode: initramfs.TypeReg | 0o755, Data: []byte("\x7fELF")},
		{Name: "bin/svc", Mode: initramfs.TypeSymlink | 0o777, Data: []byte("s6box")},
		{Name: "run/fifo", Mode: initramfs.TypeFifo | 0o600},
		{Name: "tmp", Mode: initramfs.TypeDir | 0o1777},
		{Name: long, Mode: initramfs.TypeReg | 0o2644, Data: bytes.Repeat([]byte("x"), 513)},
	}
	var buf bytes.Buffer
	if err := writeTar(&buf, in, 1700000000); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%512 != 0 {
		t.Fatalf("size %d", buf.Len())
	}
	r := tar.NewReader(&buf)
	got := map[string]*tar.Header{}
	data := map[string]string{}
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		got[h.Name], data[h.Name] = h, string(b)
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 1700000000 {
			t.Errorf("%s: %d:%d %v", h.Name, h.Uid, h.Gid, h.ModTime)
		}
	}
	check := func(name string, typ byte, mode int64) *tar.Header {
		h := got[name]
		if h == nil || h.Typeflag != typ || h.Mode != mode {
			t.Errorf("%s: %+v", name, h)
		}
		return h
	}
	check("bin/", tar.TypeDir, 0o755)
	check("tmp/", tar.TypeDir, 0o1777)
	check("bin/s6box", tar.TypeReg, 0o755)
	if h := check("bin/svc", tar.TypeSymlink, 0o777); h != nil && h.Linkname != "s6box" {
		t.Errorf("link %q", h.Linkname)
	}
	check("run/fifo", tar.TypeFifo, 0o600)
	check(long, tar.TypeReg, 0o2644)
	if data[long] != strings.Repeat("x", 513) || data["bin/s6box"] != "\x7fELF" {
		t.Error("file data differs")
	}
	if err := writeTar(io.Discard, []initramfs.Entry{{Name: strings.Repeat("n", 101), Mode: initramfs.TypeReg}}, 0); err == nil {
		t.Error("a 101-byte name without a slash was accepted")
	}
}

// Digests name their content, and the same image gives the same layout.
func TestBuildDeterministic(t *testing.T) {
	img := Image{Entries: []initramfs.Entry{{Name: "init", Mode: initramfs.TypeReg | 0o755, Data: []byte("x")}},
		Config: Config{Entrypoint: []string{"/init"}, Cmd: []string{"a b"}, Env: []string{"A=1"}, User: "1000:1000", StopSignal: "SIGTERM"}}
	a, err := Build(img)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(img)
	if len(a) != 5 || len(b) != 5 {
		t.Fatalf("%d and %d files", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(b[name], data) {
			t.Errorf("%s differs between two builds", name)
		}
		if strings.HasPrefix(name, "blobs/sha256/") && newBlob(data).digest != "sha256:"+strings.TrimPrefix(name, "blobs/sha256/") {
			t.Errorf("%s does not match its digest", name)
		}
	}
	var cfg []byte
	for name, data := range a {
		if bytes.Contains(data, []byte(`"rootfs"`)) {
			cfg = data
			_ = name
		}
	}
	for _, want := range []string{`"Entrypoint":["/init"]`, `"Cmd":["a b"]`, `"User":"1000:1000"`, `"StopSignal":"SIGTERM"`, `"os":"linux"`} {
		if !bytes.Contains(cfg, []byte(want)) {
			t.Errorf("config lacks %s: %s", want, cfg)
		}
	}
}
