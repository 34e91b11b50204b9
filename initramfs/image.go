package initramfs

import (
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Link is one applet name and the directory ("bin" or "sbin") its symlink
// goes into.
type Link struct {
	Name string
	Dir  string
}

// Spec says what goes into an image.
type Spec struct {
	Binary   string   // host path of the multicall executable
	BinName  string   // its name in /bin (default "s6box")
	Links    []Link   // the symlink farm, from the applet table
	InitTree string   // host directory written by init-maker ("" for none)
	InitDest string   // where the init tree lands (default etc/s6-linux-init/current)
	Overlays []string // host directories copied over the root, in order
	Base     string   // host directory copied first, under everything else ("" for none)
}

// baseDirs always exist in the image, so init has mount points.
var baseDirs = []string{"bin", "dev", "etc", "proc", "root", "run", "sbin", "sys", "tmp"}

// Build collects the entries of the image described by s. Later sources
// override earlier ones: the binary and its links, then the init tree, then
// each overlay. Missing parent directories are added with mode 0755.
func Build(s Spec) ([]Entry, error) {
	files := map[string]Entry{}
	add := func(e Entry) { files[e.Name] = e }
	for _, d := range baseDirs {
		add(Entry{Name: d, Mode: TypeDir | 0o755})
	}
	files["tmp"] = Entry{Name: "tmp", Mode: TypeDir | 0o1777}
	if s.Base != "" {
		if err := addTree(files, s.Base, ""); err != nil {
			return nil, err
		}
	}
	binName := s.BinName
	if binName == "" {
		binName = "s6box"
	}
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return nil, fmt.Errorf("unable to read the binary: %w", err)
	}
	add(Entry{Name: "bin/" + binName, Mode: TypeReg | 0o755, Data: bin})
	for _, l := range s.Links {
		if l.Name == "" || strings.Contains(l.Name, "/") || l.Name == binName {
			return nil, fmt.Errorf("invalid applet link name %q", l.Name)
		}
		switch l.Dir {
		case "sbin":
			add(Entry{Name: "sbin/" + l.Name, Mode: TypeSymlink | 0o777, Data: []byte("../bin/" + binName)})
		default:
			add(Entry{Name: "bin/" + l.Name, Mode: TypeSymlink | 0o777, Data: []byte(binName)})
		}
	}
	initTarget := "bin/" + binName
	if s.InitTree != "" {
		dest := strings.Trim(path.Clean("/"+s.InitDest), "/")
		if s.InitDest == "" {
			dest = "etc/s6-linux-init/current"
		}
		if err := addTree(files, s.InitTree, dest); err != nil {
			return nil, err
		}
		if e, ok := files[dest+"/bin/init"]; ok && e.Mode&TypeMask == TypeReg {
			initTarget = dest + "/bin/init"
		}
	}
	add(Entry{Name: "init", Mode: TypeSymlink | 0o777, Data: []byte(initTarget)})
	for _, o := range s.Overlays {
		if err := addTree(files, o, ""); err != nil {
			return nil, err
		}
	}
	// Parents of every entry must be directories in the archive.
	for name := range files {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if e, ok := files[d]; ok {
				if e.Mode&TypeMask != TypeDir {
					return nil, fmt.Errorf("%s is needed as a directory for %s but is not one", d, name)
				}
				continue
			}
			files[d] = Entry{Name: d, Mode: TypeDir | 0o755}
		}
	}
	out := make([]Entry, 0, len(files))
	for _, e := range files {
		out = append(out, e)
	}
	return out, nil
}

// addTree copies the host directory root into files under dest. Regular
// files, directories, symlinks and fifos are supported; anything else
// (devices, sockets) is an error naming the file.
func addTree(files map[string]Entry, root, dest string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("unable to read %s: %w", root, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", root)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := path.Join(dest, filepath.ToSlash(rel))
		if name == "." || name == "" {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", p, err)
		}
		perm := uint32(info.Mode().Perm())
		if info.Mode()&fs.ModeSetuid != 0 {
			perm |= 0o4000
		}
		if info.Mode()&fs.ModeSetgid != 0 {
			perm |= 0o2000
		}
		if info.Mode()&fs.ModeSticky != 0 {
			perm |= 0o1000
		}
		var e Entry
		switch {
		case info.IsDir():
			e = Entry{Name: name, Mode: TypeDir | perm}
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("unable to read %s: %w", p, err)
			}
			e = Entry{Name: name, Mode: TypeReg | perm, Data: data}
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("unable to read %s: %w", p, err)
			}
			e = Entry{Name: name, Mode: TypeSymlink | 0o777, Data: []byte(target)}
		case info.Mode()&fs.ModeNamedPipe != 0:
			e = Entry{Name: name, Mode: TypeFifo | perm}
		default:
			return fmt.Errorf("%s: unsupported file type %v", p, info.Mode().Type())
		}
		if old, ok := files[name]; ok && old.Mode&TypeMask == TypeDir && e.Mode&TypeMask != TypeDir {
			for k := range files {
				if strings.HasPrefix(k, name+"/") {
					delete(files, k)
				}
			}
		}
		files[name] = e
		return nil
	})
}

// WriteImage writes entries as a gzip-compressed newc archive with a fixed
// gzip header (no name, zero mtime), so equal entries give equal bytes.
func WriteImage(w io.Writer, entries []Entry) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	zw.Header = gzip.Header{OS: 3} // Unix; ModTime zero, no name
	if err := WriteArchive(zw, entries); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}

// ReadImage reads back a gzip-compressed newc archive.
func ReadImage(r io.Reader) ([]Entry, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return ReadArchive(data)
}

// WriteFile builds the image and writes it atomically to out.
func WriteFile(out string, s Spec) error {
	entries, err := Build(s)
	if err != nil {
		return err
	}
	return WriteAtomic(out, func(w io.Writer) error { return WriteImage(w, entries) })
}

// WriteAtomic writes out (mode 0644) through write into a temporary file
// beside it, renamed into place once complete, so a failure leaves nothing.
func WriteAtomic(out string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".s6box-image-*")
	if err != nil {
		return fmt.Errorf("unable to create a file next to %s: %w", out, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("unable to write %s: %w", out, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("unable to write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("unable to rename to %s: %w", out, err)
	}
	return nil
}
