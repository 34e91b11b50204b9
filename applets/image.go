package applets

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"s6box/initramfs"
	"s6box/initramfs/oci"
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
