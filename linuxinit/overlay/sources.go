package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Layout is where a container's user files are, after S6_RUNTIME_PROFILE
// and S6_RUNTIME_BUNDLEDIR.
type Layout struct {
	Legacy    string // holds cont-init.d, services.d, cont-finish.d, fix-attrs.d
	RCDir     string // s6-rc source definitions (PROFILE/s6-overlay/s6-rc.d)
	BundleDir string // source definitions of the user and user2 bundles
}

// NewLayout applies the settings to etc (normally /etc).
func NewLayout(etc string, s Settings) Layout {
	legacy := etc
	if s.RuntimeProfile != "" {
		legacy = filepath.Join(etc, "cont-profile.d", s.RuntimeProfile)
	}
	profile := filepath.Join(legacy, "s6-overlay")
	l := Layout{Legacy: legacy, RCDir: filepath.Join(profile, "s6-rc.d"),
		BundleDir: filepath.Join(profile, "user-bundles.d")}
	if s.RuntimeBundleDir != "" {
		l.BundleDir = s.RuntimeBundleDir
	}
	return l
}

// systemBundles are the names s6-overlay's own services give users to
// depend on. In s6box stage 2 runs cont-init.d and services.d itself, in
// order, so they are empty bundles: a user service depending on base starts
// after cont-init.d, one depending on legacy-services (in user2) after
// services.d, because stage 2 starts user2 only then.
var systemBundles = [...]string{"base", "fix-attrs", "legacy-cont-init", "legacy-services"}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// SourceDirs writes the generated definitions into gen (made afresh) and
// returns the source directories to compile, or nil when the container
// defines no s6-rc services at all.
func (l Layout) SourceDirs(gen string) ([]string, error) {
	haveRC, haveBundles := isDir(l.RCDir), isDir(l.BundleDir)
	if !haveRC && !haveBundles {
		return nil, nil
	}
	if err := os.RemoveAll(gen); err != nil {
		return nil, fmt.Errorf("unable to remove %s: %w", gen, err)
	}
	bundles := systemBundles[:]
	var dirs []string
	if haveRC {
		dirs = append(dirs, l.RCDir)
	}
	// As in s6-overlay, user bundles defined in s6-rc.d (the older way)
	// win over the bundle directory.
	switch {
	case isDir(filepath.Join(l.RCDir, "user")):
		if !isDir(filepath.Join(l.RCDir, "user2")) {
			bundles = append(bundles, "user2")
		}
	case haveBundles:
		dirs = append(dirs, l.BundleDir)
		for _, b := range []string{"user", "user2"} {
			if !isDir(filepath.Join(l.BundleDir, b)) {
				bundles = append(bundles, b)
			}
		}
	default:
		bundles = append(bundles, "user", "user2")
	}
	for _, b := range bundles {
		d := filepath.Join(gen, b)
		if err := os.MkdirAll(filepath.Join(d, "contents.d"), 0o755); err != nil {
			return nil, fmt.Errorf("unable to create %s: %w", d, err)
		}
		if err := os.WriteFile(filepath.Join(d, "type"), []byte("bundle\n"), 0o644); err != nil {
			return nil, fmt.Errorf("unable to write %s/type: %w", d, err)
		}
	}
	return append(dirs, gen), nil
}

// entries lists the names in dir that do not start with a dot, in byte
// order (s6-ls | s6-sort); a missing dir is empty.
func entries(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("unable to read %s: %w", dir, err)
	}
	var out []string
	for _, e := range ents {
		if e.Name()[0] != '.' {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
