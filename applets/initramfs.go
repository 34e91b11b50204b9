package applets

import (
	"s6box/initramfs"
)

// initramfsMain builds a reproducible gzip-compressed newc initramfs holding
// this executable, its symlink farm, an init tree and overlay directories.
func initramfsMain(c *Ctx) int {
	opts, rest, code, ok := c.Getopt("o:b:t:d:O:")
	if !ok {
		return code
	}
	if len(rest) != 0 {
		return c.UsageFail("unexpected argument " + rest[0])
	}
	spec := initramfs.Spec{Binary: c.Self()}
	out := ""
	for _, o := range opts {
		if o.Letter == 'o' {
			out = o.Value
		} else {
			treeOption(&spec, o.Letter, o.Value)
		}
	}
	if out == "" {
		return c.UsageFail("the output file (-o) is required")
	}
	spec.Links = farmLinks()
	if err := initramfs.WriteFile(out, spec); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}

// treeOption applies the file-tree options initramfs and image share:
// -b binary, -t init tree, -d its destination, -O overlay, -B base root.
func treeOption(spec *initramfs.Spec, letter byte, value string) bool {
	switch letter {
	case 'b':
		spec.Binary = value
	case 't':
		spec.InitTree = value
	case 'd':
		spec.InitDest = value
	case 'O':
		spec.Overlays = append(spec.Overlays, value)
	case 'B':
		spec.Base = value
	default:
		return false
	}
	return true
}

// farmLinks is the symlink farm of an image: every name of every applet,
// in the applet's directory.
func farmLinks() []initramfs.Link {
	var links []initramfs.Link
	for _, a := range Table() {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			links = append(links, initramfs.Link{Name: n, Dir: a.Dir})
		}
	}
	return links
}
