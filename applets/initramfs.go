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
		switch o.Letter {
		case 'o':
			out = o.Value
		case 'b':
			spec.Binary = o.Value
		case 't':
			spec.InitTree = o.Value
		case 'd':
			spec.InitDest = o.Value
		case 'O':
			spec.Overlays = append(spec.Overlays, o.Value)
		}
	}
	if out == "" {
		return c.UsageFail("the output file (-o) is required")
	}
	for _, a := range Table() {
		for _, n := range append([]string{a.Name}, a.Aliases...) {
			spec.Links = append(spec.Links, initramfs.Link{Name: n, Dir: a.Dir})
		}
	}
	if err := initramfs.WriteFile(out, spec); err != nil {
		return c.Fatal(ExitSystem, "%v", err)
	}
	return 0
}
