package overlay

import (
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"s6box/core/sha256"
	"s6box/rcdb"
	"s6box/rcdb/compile"
)

// PrecompiledName is the directory of an overlay tree where `s6box image`
// puts the s6-rc database compiled from the image's own sources: db/ (the
// database) and stamp (SourceStamp of the sources it was compiled from).
// Stage 2 uses it instead of compiling when the sources it finds at start
// have the same stamp, which they have unless something (a cont-init.d
// script, S6_RUNTIME_PROFILE, a volume) changed them.
const PrecompiledName = "s6-rc-compiled"

const stampVersion = "s6box-rc-sources 1"

// SourceStamp is a digest of everything the compiler reads from dirs, in
// order: each entry's path below its directory, type and mode, and each
// file's contents; plus self, the binary the database's internal services
// run. Where the sources are does not count, so sources compiled in a
// scratch copy at image build time stamp the same as in the container. ok
// is false when dirs hold something whose meaning depends on the system
// they are on (a symlink, which may point outside) or a file type the
// compiler does not read (then the database is compiled at start).
func SourceStamp(self string, dirs []string) (stamp string, ok bool, err error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\nself %s\n", stampVersion, self)
	ok = true
	for i, dir := range dirs {
		fmt.Fprintf(h, "dir %d\n", i)
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%q %o", rel, uint32(info.Mode()))
			switch {
			case info.IsDir():
				io.WriteString(h, "\n")
			case info.Mode().IsRegular():
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				fmt.Fprintf(h, " %d\n", len(b))
				h.Write(b)
			default:
				ok = false
				return filepath.SkipAll
			}
			return nil
		})
		if err != nil {
			return "", false, fmt.Errorf("unable to read the s6-rc sources in %s: %w", dir, err)
		}
		if !ok {
			return "", false, nil
		}
	}
	sum := h.Sum()
	return hex.EncodeToString(sum[:]), true, nil
}

// Precompiled returns the database in tree (an overlay tree's
// PrecompiledName) when it was compiled from sources with stamp and this
// binary reads it; "" otherwise.
func Precompiled(tree, stamp string) string {
	dir := filepath.Join(tree, PrecompiledName)
	b, err := os.ReadFile(filepath.Join(dir, "stamp"))
	if err != nil || strings.TrimSpace(string(b)) != stamp {
		return ""
	}
	db := filepath.Join(dir, "db")
	if _, err := rcdb.Load(db); err != nil {
		return ""
	}
	return db
}

// Precompile is what `s6box image` does for an overlay image: root holds
// the image's files (root/etc/s6-overlay/…), set the S6_* variables of its
// configuration, self the binary's path in the image. It compiles the
// s6-rc sources stage 2 would find, with the bundles stage 2 adds, into
// out/db and writes out/stamp (out must not exist). It returns false,
// writing nothing, when there are no s6-rc sources or they cannot be
// compiled ahead (see SourceStamp); a compilation error is returned as
// the compiler's *rcdb.Error. warn gets the compiler's warnings.
func Precompile(root string, set Settings, self, out string, warn func(format string, a ...any)) (bool, error) {
	l := NewLayout(filepath.Join(root, "etc"), set)
	if set.RuntimeBundleDir != "" {
		l.BundleDir = filepath.Join(root, set.RuntimeBundleDir)
	}
	scratch, err := os.MkdirTemp("", "s6box-rc-sources-")
	if err != nil {
		return false, fmt.Errorf("unable to create a scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	dirs, err := l.SourceDirs(filepath.Join(scratch, "gen"))
	if err != nil || dirs == nil {
		return false, err
	}
	stamp, ok, err := SourceStamp(self, dirs)
	if err != nil || !ok {
		return false, err
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return false, fmt.Errorf("unable to create %s: %w", out, err)
	}
	// NoSync: the database goes into the image, read from this copy at once.
	if _, err := compile.Compile(filepath.Join(out, "db"), dirs, &compile.Options{Verbosity: 1, Self: self,
		Warn: warn, NoSync: true}); err != nil {
		os.RemoveAll(out)
		return false, err
	}
	if err := os.WriteFile(filepath.Join(out, "stamp"), []byte(stamp+"\n"), 0o644); err != nil {
		os.RemoveAll(out)
		return false, fmt.Errorf("unable to write %s/stamp: %w", out, err)
	}
	return true, nil
}
