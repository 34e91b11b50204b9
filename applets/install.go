package applets

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// InitTreeNames are the bare names that s6-linux-init-maker's bin/ provides
// (small scripts the guide copies to /sbin). `make install` does not link
// them, as s6-linux-init's own install does not: a link there would take
// over the host's halt/poweroff/init, and `cp bin/* /sbin/` would write the
// copied script through the link into the binary. They still answer as
// `s6box NAME`, `s6-linux-init-NAME` and through --install DIR.
var InitTreeNames = []string{"halt", "init", "poweroff", "reboot", "shutdown", "telinit"}

// ShellBuiltinNames are execline commands named like shell builtins. `make
// install` leaves them out of PREFIX/bin (Debian keeps them out of PATH
// too, in /usr/lib/execline/bin): a /usr/bin/cd or /usr/bin/exit only
// confuses. Our execlineb runs them in-process without a PATH lookup, and
// `s6box NAME`, the images' farm and --install DIR still have them.
var ShellBuiltinNames = []string{"cd", "exec", "exit", "export", "if", "shift", "trap", "umask", "wait"}

// linkPlan is one symlink an install wants: path -> target.
type linkPlan struct{ path, target string }

// InstallOptions says how an install treats what is already there.
type InstallOptions struct {
	BinName string // the binary's name ("s6box"); links with this base name are ours
	Force   bool   // replace files and links that are not ours
}

// InstallFlat creates, in dir, a symlink to target for every name of every
// applet and for the binary's own name (unless target is that very path).
// Nothing is changed if any name is taken by something not ours (see
// installLinks).
func InstallFlat(table []Applet, dir, target string, o InstallOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	var plan []linkPlan
	self := filepath.Join(dir, o.BinName)
	if abs, err := filepath.Abs(target); err != nil || filepath.Clean(abs) != filepath.Clean(self) {
		plan = append(plan, linkPlan{self, target})
	}
	for _, name := range Names(table) {
		plan = append(plan, linkPlan{filepath.Join(dir, name), target})
	}
	if err := checkLinks(plan, o); err != nil {
		return err
	}
	return installLinks(plan)
}

// InstallPrefix is `make install`: it copies the running binary (self) to
// prefix/bin/BinName, then lays out a relative link for each applet name in
// prefix/bin or prefix/sbin (its Dir), except InitTreeNames and
// ShellBuiltinNames, so the tree
// can be moved and staged under DESTDIR. Conflicts are checked before
// anything is written; the binary is replaced by a rename.
func InstallPrefix(table []Applet, prefix, self string, o InstallOptions) error {
	for _, sub := range []string{"bin", "sbin"} {
		if err := os.MkdirAll(filepath.Join(prefix, sub), 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Join(prefix, sub), err)
		}
	}
	skip := map[string]bool{}
	for _, n := range append(append([]string(nil), InitTreeNames...), ShellBuiltinNames...) {
		skip[n] = true
	}
	var plan []linkPlan
	for _, a := range table {
		sub, target := "bin", o.BinName
		if a.Dir == "sbin" {
			sub, target = "sbin", "../bin/"+o.BinName
		}
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			if !skip[n] {
				plan = append(plan, linkPlan{filepath.Join(prefix, sub, n), target})
			}
		}
	}
	if err := checkLinks(plan, o); err != nil {
		return err
	}
	dst := filepath.Join(prefix, "bin", o.BinName)
	if st, err := os.Lstat(dst); err == nil && !st.Mode().IsRegular() && !o.Force {
		return fmt.Errorf("refusing to replace %s: it is not a regular file (FORCE=1 replaces it)", dst)
	}
	if err := copyFileAtomic(self, dst, 0o755); err != nil {
		return err
	}
	return installLinks(plan)
}

// ours tells whether an existing path may be replaced without Force: a
// symlink whose target names our binary.
func ours(path string, o InstallOptions) (bool, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("unable to stat %s: %w", path, err)
	}
	if st.Mode()&os.ModeSymlink == 0 {
		return false, nil
	}
	l, err := os.Readlink(path)
	if err != nil {
		return false, fmt.Errorf("unable to read %s: %w", path, err)
	}
	return filepath.Base(l) == o.BinName, nil
}

// checkLinks fails, listing every conflict, when a planned path is taken by
// something not ours and Force is off.
func checkLinks(plan []linkPlan, o InstallOptions) error {
	var taken []string
	for _, l := range plan {
		ok, err := ours(l.path, o)
		if err != nil {
			return err
		}
		if !ok && !o.Force {
			taken = append(taken, l.path)
		}
	}
	if len(taken) > 0 {
		return fmt.Errorf("refusing to replace %d files that are not links to %s (nothing was installed; FORCE=1 or --force replaces them, or choose another DESTDIR/PREFIX): %s",
			len(taken), o.BinName, strings.Join(taken, " "))
	}
	return nil
}

// installLinks creates every planned link or none, once checkLinks has
// passed: each link is made under a temporary name and renamed over its
// path; on a failure the links made so far are removed and replaced links
// restored.
func installLinks(plan []linkPlan) error {
	type undo struct{ path, old string }
	var done []undo
	rollback := func() {
		for i := len(done) - 1; i >= 0; i-- {
			u := done[i]
			if u.old == "" {
				os.Remove(u.path)
				continue
			}
			tmp := u.path + ".s6box-undo"
			os.Remove(tmp)
			if os.Symlink(u.old, tmp) == nil {
				os.Rename(tmp, u.path)
			}
		}
	}
	for _, l := range plan {
		old := ""
		if st, err := os.Lstat(l.path); err == nil && st.Mode()&os.ModeSymlink != 0 {
			old, _ = os.Readlink(l.path)
		}
		tmp := filepath.Join(filepath.Dir(l.path), "."+filepath.Base(l.path)+".s6box-new")
		os.Remove(tmp)
		err := os.Symlink(l.target, tmp)
		if err == nil {
			if err = os.Rename(tmp, l.path); err != nil {
				os.Remove(tmp)
			}
		}
		if err != nil {
			rollback()
			return fmt.Errorf("unable to create symlink %s (nothing was installed): %w", l.path, err)
		}
		done = append(done, undo{l.path, old})
	}
	return nil
}

// copyFileAtomic writes src's bytes to a temporary file beside dst and
// renames it over dst, so a running dst is never written into.
func copyFileAtomic(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", src, err)
	}
	defer in.Close()
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".s6box-new")
	os.Remove(tmp)
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("unable to create %s: %w", tmp, err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Chmod(mode)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("unable to install %s: %w", dst, err)
	}
	return nil
}
