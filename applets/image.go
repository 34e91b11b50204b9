package applets

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"s6box/initramfs"
	"s6box/initramfs/oci"
	"s6box/linuxinit"
	"s6box/linuxinit/overlay"
)

// imageMain builds a reproducible OCI image (layout directory, or an
// oci-archive tar when OUT ends in .tar) holding this executable, its
// symlink farm, an optional base root, an init tree and overlays; the
// operands are the image's Cmd.
func imageMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("o:b:t:d:O:B:E:e:w:u:s:r:c")
	if !ok {
		return code
	}
	spec := initramfs.Spec{Binary: c.Self()}
	img := oci.Image{}
	out := ""
	entrypointSet, commandFarm := false, false
	for _, o := range opts {
		if treeOption(&spec, o.Letter, o.Value) {
			continue
		}
		switch o.Letter {
		case 'o':
			out = o.Value
		case 'E':
			img.Config.Entrypoint, entrypointSet = append(img.Config.Entrypoint, o.Value), true
		case 'e':
			if k, _, ok := strings.Cut(o.Value, "="); !ok || k == "" {
				return c.UsageFail("-e wants VAR=VALUE, not " + o.Value)
			}
			img.Config.Env = append(img.Config.Env, o.Value)
		case 'w':
			img.Config.WorkingDir = o.Value
		case 'u':
			img.Config.User = o.Value
		case 's':
			img.Config.StopSignal = o.Value
		case 'r':
			img.Ref = o.Value
		case 'c':
			commandFarm = true
		}
	}
	if len(rest) > 0 {
		img.Config.Cmd = rest
	}
	if out == "" {
		return c.UsageFail("the output (-o) is required")
	}
	if !entrypointSet && spec.InitTree != "" {
		img.Config.Entrypoint = []string{"/init"}
	}
	if len(img.Config.Env) == 0 {
		img.Config.Env = []string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return c.Fatal(ExitUsage, "invalid SOURCE_DATE_EPOCH %q", v)
		}
		img.Mtime = n
	}
	spec.Links = farmLinks()
	if commandFarm {
		dir, err := commandFarmOverlay(spec.Links)
		if err != nil {
			return c.Fatal(ExitSystem, "%v", err)
		}
		defer os.RemoveAll(dir)
		spec.Overlays = append([]string{dir}, spec.Overlays...)
	}
	entries, err := initramfs.Build(spec)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	if spec.InitTree != "" {
		// The compiled database's modes must not depend on who builds.
		syscall.Umask(0o022)
		dir, err := precompileOverlay(c, spec, img.Config.Env, entries)
		if err != nil {
			// Stage 2 compiles them at start (a cont-init.d script may
			// complete them), and says so again if they still fail.
			c.Warn("the image's s6-rc services are not compiled ahead: %v", err)
		}
		if dir != "" {
			defer os.RemoveAll(dir)
			spec.Overlays = append(spec.Overlays, filepath.Join(dir, "ov"))
			if entries, err = initramfs.Build(spec); err != nil {
				return c.Fatal(ExitSystem, "%v", err)
			}
		}
	}
	img.Entries = entries
	layout, err := oci.Build(img)
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	if strings.HasSuffix(out, ".tar") {
		err = layout.WriteArchive(out, img.Mtime)
	} else {
		err = layout.WriteDir(out)
	}
	if err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}

// commandFarmOverlay makes a temporary overlay holding /command/NAME ->
// ../bin/s6box for every applet name: s6-overlay's convention, so scripts
// starting with #!/command/with-contenv work. The caller removes it.
func commandFarmOverlay(links []initramfs.Link) (string, error) {
	dir, err := os.MkdirTemp("", "s6box-command-")
	if err != nil {
		return "", fmt.Errorf("unable to create a temporary directory: %w", err)
	}
	cmd := filepath.Join(dir, "command")
	if err := os.Mkdir(cmd, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("unable to create %s: %w", cmd, err)
	}
	for _, l := range links {
		if err := os.Symlink("../bin/s6box", filepath.Join(cmd, l.Name)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("unable to link %s: %w", l.Name, err)
		}
	}
	return dir, nil
}

// precompileOverlay compiles, for an image whose init tree is an overlay
// tree (init-maker -O), the s6-rc sources the merged image holds, so stage
// 2 starts with that database instead of compiling (see
// overlay.PrecompiledName). It returns a temporary overlay holding the
// database in the tree, or "" when there is nothing to compile ahead; the
// caller removes it.
func precompileOverlay(c *Ctx, spec initramfs.Spec, env []string, entries []initramfs.Entry) (string, error) {
	dest := strings.Trim(path.Clean("/"+spec.InitDest), "/")
	if spec.InitDest == "" {
		dest = "etc/s6-linux-init/current"
	}
	byName := map[string]initramfs.Entry{}
	for _, e := range entries {
		byName[e.Name] = e
	}
	init, ok := byName[dest+"/bin/init"]
	if !ok || init.Mode&initramfs.TypeMask != initramfs.TypeReg {
		return "", nil
	}
	if words, err := linuxinit.ParseRunscript(string(init.Data)); err != nil || len(words) == 0 || words[0] != "overlay-init" {
		return "", nil
	}
	set, _, _ := overlay.Parse(env) // a refused value stops the container at start, not the build
	work, err := os.MkdirTemp("", "s6box-precompile-")
	if err != nil {
		return "", fmt.Errorf("unable to create a temporary directory: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(work)
		}
	}()
	// The image's s6-rc sources, as files: stage 2's layout decides which.
	root := filepath.Join(work, "root")
	l := overlay.NewLayout(filepath.Join(root, "etc"), set)
	if set.RuntimeBundleDir != "" {
		l.BundleDir = filepath.Join(root, set.RuntimeBundleDir)
	}
	var prefixes []string
	for _, d := range []string{l.RCDir, l.BundleDir} {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			return "", fmt.Errorf("unable to place %s: %w", d, err)
		}
		prefixes = append(prefixes, filepath.ToSlash(rel))
	}
	if err := materialize(root, entries, prefixes); err != nil {
		return "", err
	}
	binName := spec.BinName
	if binName == "" {
		binName = "s6box"
	}
	ov := filepath.Join(work, "ov")
	out := filepath.Join(ov, filepath.FromSlash(dest), overlay.PrecompiledName)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("unable to create %s: %w", filepath.Dir(out), err)
	}
	done, err := overlay.Precompile(root, set, "/bin/"+binName, out, c.Warn)
	if err != nil || !done {
		return "", err
	}
	if err := os.RemoveAll(root); err != nil {
		return "", fmt.Errorf("unable to remove %s: %w", root, err)
	}
	keep = true
	return work, nil
}

// materialize writes the entries at or below one of prefixes under root,
// with their modes (directories are made writable until the end).
func materialize(root string, entries []initramfs.Entry, prefixes []string) error {
	var sel []initramfs.Entry
	for _, e := range entries {
		for _, p := range prefixes {
			if e.Name == p || strings.HasPrefix(e.Name, p+"/") {
				sel = append(sel, e)
				break
			}
		}
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i].Name < sel[j].Name })
	var dirs []initramfs.Entry
	for _, e := range sel {
		p := filepath.Join(root, filepath.FromSlash(e.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("unable to create %s: %w", filepath.Dir(p), err)
		}
		perm := os.FileMode(e.Mode & 0o777)
		var err error
		switch e.Mode & initramfs.TypeMask {
		case initramfs.TypeDir:
			err = os.MkdirAll(p, 0o755)
			dirs = append(dirs, e)
		case initramfs.TypeReg:
			if err = os.WriteFile(p, e.Data, perm); err == nil {
				err = os.Chmod(p, perm)
			}
		case initramfs.TypeSymlink:
			err = os.Symlink(string(e.Data), p)
		case initramfs.TypeFifo:
			err = syscall.Mkfifo(p, uint32(perm))
		}
		if err != nil {
			return fmt.Errorf("unable to write %s: %w", p, err)
		}
	}
	for _, e := range dirs {
		p := filepath.Join(root, filepath.FromSlash(e.Name))
		if err := os.Chmod(p, os.FileMode(e.Mode&0o777)); err != nil {
			return fmt.Errorf("unable to chmod %s: %w", p, err)
		}
	}
	return nil
}
