package compile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"s6box/core/fsutil"
	"s6box/core/rawio"
	"s6box/rcdb"
)

// Compile reads sources, checks them and writes the compiled database to
// target, which must not exist. The database is built in a temporary
// directory next to target and renamed into place, so target either does
// not exist or is complete.
func Compile(target string, sources []string, o *Options) (*rcdb.DB, error) {
	if _, err := os.Lstat(target); err == nil {
		return nil, srcErr(111, "unable to mkdir %s: file exists", target)
	}
	m, err := readSources(o, sources)
	if err != nil {
		return nil, err
	}
	db, err := m.build()
	if err != nil {
		return nil, err
	}
	db.Self = o.Self
	o.info("writing compiled information to %s", target)
	tmp, err := os.MkdirTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-")
	if err != nil {
		return nil, srcErr(111, "unable to create a temporary directory next to %s: %v", target, rcdb.Unwrap(err))
	}
	if err := m.write(tmp, db); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, srcErr(111, "unable to chmod %s: %v", tmp, rcdb.Unwrap(err))
	}
	// one flush of the filesystem (rather than one fsync per file) before
	// the tree becomes visible under its name
	if !o.NoSync {
		if err := syncTree(tmp); err != nil {
			os.RemoveAll(tmp)
			return nil, srcErr(111, "unable to sync %s: %v", tmp, err)
		}
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, target, unix.RENAME_NOREPLACE); err != nil {
		os.RemoveAll(tmp)
		return nil, srcErr(111, "unable to rename %s to %s: %v", tmp, target, err)
	}
	return db, nil
}

func (m *model) write(dir string, db *rcdb.DB) error {
	if err := os.WriteFile(filepath.Join(dir, "lock"), nil, 0o644); err != nil {
		return srcErr(111, "unable to create %s/lock: %v", dir, rcdb.Unwrap(err))
	}
	sd := filepath.Join(dir, "servicedirs")
	if err := os.Mkdir(sd, 0o755); err != nil {
		return srcErr(111, "unable to mkdir %s: %v", sd, rcdb.Unwrap(err))
	}
	// service directories are independent: create them in parallel (the
	// error reported is the first in index order, as sequentially)
	if err := forEach(len(m.longs), func(i int) error {
		s := m.longs[i]
		return m.writeLongrun(filepath.Join(sd, s.name), s, &db.Atoms[i], db)
	}); err != nil {
		return err
	}
	for k, s := range m.shots {
		a := &db.Atoms[len(m.longs)+k]
		for slot, file := range []string{"down", "up", "reload"} {
			if s.script[slot] == "" {
				continue
			}
			rel := filepath.Join("scripts", s.name, file)
			if err := os.MkdirAll(filepath.Join(dir, "scripts", s.name), 0o755); err != nil {
				return srcErr(111, "unable to mkdir %s: %v", filepath.Dir(rel), rcdb.Unwrap(err))
			}
			if err := copyFile(s.script[slot], filepath.Join(dir, rel), 0o755); err != nil {
				return err
			}
			a.Script[slot] = rel
		}
	}
	b, err := db.Encode()
	if err != nil {
		return srcErr(111, "unable to encode the database: %v", err)
	}
	if err := writeSync(filepath.Join(dir, "db"), b, 0o644); err != nil {
		return err
	}
	return nil
}

func syncTree(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Syncfs(fd)
}

func writeSync(path string, b []byte, mode os.FileMode) error {
	if err := writeNew(path, b, mode, false); err != nil {
		pe := err.(*os.PathError)
		if pe.Op == "open" {
			return srcErr(111, "unable to create %s: %v", path, pe.Err)
		}
		return srcErr(111, "unable to write %s: %v", path, pe.Err)
	}
	return nil
}

func shebang(self, applet string) []byte {
	return []byte("#!" + self + " " + applet + "\n")
}

func (m *model) writeLongrun(dst string, s *svc, a *rcdb.Atom, db *rcdb.DB) error {
	if err := os.Mkdir(dst, 0o755); err != nil {
		return srcErr(111, "unable to mkdir %s: %v", dst, rcdb.Unwrap(err))
	}
	put := func(name string, b []byte, mode os.FileMode) error {
		return writeSync(filepath.Join(dst, name), b, mode)
	}
	switch s.name {
	case rcdb.RunnerName:
		if err := put("run", shebang(db.Self, "rc-oneshot-runner"), 0o755); err != nil {
			return err
		}
		return put("notification-fd", []byte("3\n"), 0o644)
	case rcdb.FdholderName:
		var names []string
		for _, x := range db.Atoms {
			if len(x.Producers) > 0 {
				names = append(names, x.Name)
			}
		}
		if err := os.Mkdir(filepath.Join(dst, "data"), 0o755); err != nil {
			return srcErr(111, "unable to mkdir %s/data: %v", dst, rcdb.Unwrap(err))
		}
		content := strings.Join(names, "\n")
		if content != "" {
			content += "\n"
		}
		if err := put("data/consumers", []byte(content), 0o644); err != nil {
			return err
		}
		if err := put("run", shebang(db.Self, "rc-fdholder"), 0o755); err != nil {
			return err
		}
		return put("notification-fd", []byte("3\n"), 0o644)
	}
	pipelined := a.Consumer >= 0 || len(a.Producers) > 0
	runName := "run"
	if pipelined {
		runName = "run.user"
		var spec strings.Builder
		if len(a.Producers) > 0 {
			fmt.Fprintf(&spec, "stdin %s\n", s.name)
		}
		if a.Consumer >= 0 {
			fmt.Fprintf(&spec, "stdout %s\n", db.Atoms[a.Consumer].Name)
		}
		if err := put("rc-pipe", []byte(spec.String()), 0o644); err != nil {
			return err
		}
		if err := put("run", shebang(db.Self, "rc-pipe-run"), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile(filepath.Join(s.dir, "run"), filepath.Join(dst, runName), 0o755); err != nil {
		return err
	}
	if f := filepath.Join(s.dir, "finish"); s.has("finish") {
		finishName := "finish"
		if pipelined {
			finishName = "finish.user"
			if err := put("finish", shebang(db.Self, "rc-pipe-run"), 0o755); err != nil {
				return err
			}
		}
		if err := copyFile(f, filepath.Join(dst, finishName), 0o755); err != nil {
			return err
		}
	}
	for i, f := range numFiles {
		v := s.nums[i]
		if v < 0 {
			continue
		}
		if err := put(f, []byte(strconv.FormatInt(v, 10)+"\n"), 0o644); err != nil {
			return err
		}
	}
	for _, f := range []string{"down-signal", "reload-signal"} {
		if p := filepath.Join(s.dir, f); s.has(f) {
			if err := copyFile(p, filepath.Join(dst, f), 0o644); err != nil {
				return err
			}
		}
	}
	for _, f := range []string{"flag-timeout-killpg", "flag-newpidns"} {
		if s.has(f) {
			if err := put(f, nil, 0o644); err != nil {
				return err
			}
		}
	}
	for _, d := range []string{"data", "env", "template"} {
		if p := filepath.Join(s.dir, d); s.has(d) {
			if err := copyTree(p, filepath.Join(dst, d)); err != nil {
				return err
			}
		}
	}
	if s.has("template") {
		for _, d := range []string{"instance", "instances"} {
			if err := os.Mkdir(filepath.Join(dst, d), 0o755); err != nil {
				return srcErr(111, "unable to mkdir %s/%s: %v", dst, d, rcdb.Unwrap(err))
			}
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := rawio.Open(src, unix.O_RDONLY, 0)
	if err != nil {
		return srcErr(111, "unable to open %s: %v", src, err)
	}
	defer unix.Close(in)
	out, err := rawio.Open(dst, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, uint32(mode.Perm()))
	if err != nil {
		return srcErr(111, "unable to create %s: %v", dst, err)
	}
	err = copyFd(out, in)
	if err == nil {
		err = unix.Fchmod(out, uint32(mode.Perm()))
	}
	if cerr := unix.Close(out); err == nil {
		err = cerr
	}
	if err != nil {
		return srcErr(111, "unable to copy %s to %s: %v", src, dst, err)
	}
	return nil
}

// copyFd copies in to out until end of file.
func copyFd(out, in int) error {
	var buf [8192]byte
	for {
		n, err := unix.Read(in, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return err
		}
		if err := rawio.WriteAll(out, buf[:n]); err != nil {
			return err
		}
	}
}

// copyTree copies a directory of the source (data, env, template) into the
// compiled service directory, keeping modes but not owners.
func copyTree(src, dst string) error {
	if err := fsutil.CopyTree(src, dst, fsutil.CopyOptions{}); err != nil {
		return srcErr(111, "%v", err)
	}
	return nil
}
