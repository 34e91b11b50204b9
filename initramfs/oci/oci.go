// Package oci writes container images in the OCI image format: one layer
// (a gzip-compressed tar of the same file tree the initramfs builder
// collects), an image config and a manifest, as an image layout directory
// or an oci-archive tar of that directory. The same inputs give the same
// digests: sorted entries, owner 0:0, one fixed mtime, a fixed gzip header.
package oci

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"s6box/core/jsontext"
	"s6box/core/sha256"
	"s6box/initramfs"
)

// Media types of the OCI image spec.
const (
	MediaManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaConfig   = "application/vnd.oci.image.config.v1+json"
	MediaLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// Config is the runtime part of the image config.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	StopSignal string
	Arch       string // GOARCH naming, "amd64" by default
}

// Image is everything that goes into one image.
type Image struct {
	Entries []initramfs.Entry
	Config  Config
	Ref     string // org.opencontainers.image.ref.name ("latest" by default)
	Mtime   int64  // every file's mtime (SOURCE_DATE_EPOCH or 0)
}

// blob is a content-addressed file of the layout.
type blob struct {
	digest string // "sha256:<hex>"
	data   []byte
}

func newBlob(data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

// Layout is an image layout in memory: file path → content.
type Layout map[string][]byte

// Build makes the layout of img: oci-layout, index.json and the blobs.
func Build(img Image) (Layout, error) {
	var tarBuf bytes.Buffer
	if err := writeTar(&tarBuf, img.Entries, img.Mtime); err != nil {
		return nil, err
	}
	diffID := newBlob(tarBuf.Bytes()).digest
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Header = gzip.Header{OS: 3} // no name, zero mtime
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	layer := newBlob(gz.Bytes())
	config := newBlob(configJSON(img.Config, diffID))
	manifest := newBlob(manifestJSON(config, layer))
	ref := img.Ref
	if ref == "" {
		ref = "latest"
	}
	l := Layout{
		"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`),
		"index.json": indexJSON(manifest, ref),
	}
	for _, b := range []blob{layer, config, manifest} {
		l["blobs/sha256/"+strings.TrimPrefix(b.digest, "sha256:")] = b.data
	}
	return l, nil
}

func configJSON(c Config, diffID string) []byte {
	arch := c.Arch
	if arch == "" {
		arch = "amd64"
	}
	w := &jsontext.Writer{}
	w.BeginObject()
	w.StringMember("architecture", arch)
	w.StringMember("os", "linux")
	w.Key("config")
	w.BeginObject()
	list := func(k string, v []string) {
		if v != nil {
			w.Key(k)
			w.Strings(v)
		}
	}
	str := func(k, v string) {
		if v != "" {
			w.StringMember(k, v)
		}
	}
	list("Entrypoint", c.Entrypoint)
	list("Cmd", c.Cmd)
	list("Env", c.Env)
	str("WorkingDir", c.WorkingDir)
	str("User", c.User)
	str("StopSignal", c.StopSignal)
	w.EndObject()
	w.Key("rootfs")
	w.BeginObject()
	w.StringMember("type", "layers")
	w.Key("diff_ids")
	w.Strings([]string{diffID})
	w.EndObject()
	w.EndObject()
	return w.B
}

func descriptor(w *jsontext.Writer, media string, b blob) {
	w.BeginObject()
	w.StringMember("mediaType", media)
	w.StringMember("digest", b.digest)
	w.IntMember("size", int64(len(b.data)))
}

func manifestJSON(config, layer blob) []byte {
	w := &jsontext.Writer{}
	w.BeginObject()
	w.IntMember("schemaVersion", 2)
	w.StringMember("mediaType", MediaManifest)
	w.Key("config")
	descriptor(w, MediaConfig, config)
	w.EndObject()
	w.Key("layers")
	w.BeginArray()
	descriptor(w, MediaLayer, layer)
	w.EndObject()
	w.EndArray()
	w.EndObject()
	return w.B
}

func indexJSON(manifest blob, ref string) []byte {
	w := &jsontext.Writer{}
	w.BeginObject()
	w.IntMember("schemaVersion", 2)
	w.Key("manifests")
	w.BeginArray()
	descriptor(w, MediaManifest, manifest)
	w.Key("annotations")
	w.BeginObject()
	w.StringMember("org.opencontainers.image.ref.name", ref)
	w.EndObject()
	w.EndObject()
	w.EndArray()
	w.EndObject()
	return w.B
}

// WriteDir writes the layout as a directory, which must not exist yet
// (it is written beside and renamed into place, so a failure leaves
// nothing behind).
func (l Layout) WriteDir(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("%s already exists", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".oci-*")
	if err != nil {
		return fmt.Errorf("unable to create a directory next to %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	for _, name := range l.names() {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, l[name], 0o644); err != nil {
			return fmt.Errorf("unable to write %s: %w", p, err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("unable to rename to %s: %w", dir, err)
	}
	return nil
}

// WriteArchive writes the layout as an oci-archive: a tar of the layout
// directory's content, written beside out and renamed into place.
func (l Layout) WriteArchive(out string, mtime int64) error {
	var entries []initramfs.Entry
	dirs := map[string]bool{}
	for _, name := range l.names() {
		for d := filepath.Dir(name); d != "."; d = filepath.Dir(d) {
			if !dirs[d] {
				dirs[d] = true
				entries = append(entries, initramfs.Entry{Name: d, Mode: initramfs.TypeDir | 0o755})
			}
		}
		entries = append(entries, initramfs.Entry{Name: name, Mode: initramfs.TypeReg | 0o644, Data: l[name]})
	}
	return initramfs.WriteAtomic(out, func(w io.Writer) error { return writeTar(w, entries, mtime) })
}

func (l Layout) names() []string {
	var out []string
	for n := range l {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
