package linuxinit

import "fmt"

// OverlayRunDir is the run directory of an s6-overlay style container: its
// paths (/run/service, /run/s6, /run/s6-linux-init-container-results) are
// the interface its users script against, so it is not configurable.
const OverlayRunDir = "/run"

// checkOverlay validates the settings an overlay tree (-O) accepts; those
// that s6-overlay takes from S6_* variables at container start are refused
// by the applet before this.
func (c *MakerConfig) checkOverlay() error {
	if !c.Container {
		return badConfig("an overlay tree (-O) is a container tree (-C)")
	}
	if c.RunDir != OverlayRunDir {
		return badConfig("an overlay tree (-O) runs in %s, not %s", OverlayRunDir, c.RunDir)
	}
	if c.ExitService != "" || c.RCDatabase != "" || c.SkelDir != "" {
		return badConfig("an overlay tree (-O) takes no exit service, s6-rc database or skeleton directory: stage 2 provides them")
	}
	return nil
}

// overlayInitArgs is bin/init of an overlay tree: stage 0, which reads the
// S6_* variables, makes the catch-all logger and runs init on this tree.
func overlayInitArgs(c *MakerConfig) []string {
	args := []string{"overlay-init", "-c", c.BaseDir, "-m", fmt.Sprintf("0%o", c.Umask)}
	if c.Rlimits != "" {
		args = append(args, "-H", c.Rlimits)
	}
	if c.Scanner != "" {
		args = append(args, "-X", c.Scanner)
	}
	return append(args, "--", "$@")
}
