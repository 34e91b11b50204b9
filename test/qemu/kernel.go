// Package qemu boots an s6box initramfs on a Debian kernel under QEMU (TCG)
// and checks the console: banner, scanner, a demo service and its logger,
// then a poweroff or reboot that makes QEMU exit by itself.
package qemu

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Kernel is a Debian kernel unpacked (never installed) into the cache.
type Kernel struct {
	Image  string // vmlinuz
	Config string // its config-* file
}

// requiredConfig is what an initramfs-only boot with a serial console needs
// built in (=y, not modules).
var requiredConfig = []string{
	"CONFIG_SERIAL_8250=y", "CONFIG_SERIAL_8250_CONSOLE=y", "CONFIG_DEVTMPFS=y",
	"CONFIG_BLK_DEV_INITRD=y", "CONFIG_RD_GZIP=y", "CONFIG_TMPFS=y", "CONFIG_PROC_FS=y",
	"CONFIG_SYSFS=y", "CONFIG_BINFMT_SCRIPT=y",
}

// CheckConfig reports the required options the kernel lacks.
func (k Kernel) CheckConfig() error {
	b, err := os.ReadFile(k.Config)
	if err != nil {
		return fmt.Errorf("kernel config: %w", err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	var missing []string
	for _, want := range requiredConfig {
		if !lines[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kernel %s lacks %v", k.Image, missing)
	}
	return nil
}

// FetchKernel returns the cached kernel or downloads the package that
// linux-image-amd64 depends on with `apt-get download` and unpacks it with
// `dpkg-deb -x` into cache. Only vmlinuz and config are kept.
func FetchKernel(cache string) (Kernel, error) {
	if abs, err := filepath.Abs(cache); err == nil {
		cache = abs
	}
	k := Kernel{Image: filepath.Join(cache, "vmlinuz"), Config: filepath.Join(cache, "config")}
	if _, err := os.Stat(k.Image); err == nil {
		if _, err := os.Stat(k.Config); err == nil {
			return k, nil
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return k, err
	}
	for _, tool := range []string{"apt-cache", "apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return k, fmt.Errorf("%s not available: %w", tool, err)
		}
	}
	pkg, err := kernelPackage()
	if err != nil {
		return k, err
	}
	tmp, err := os.MkdirTemp(cache, "dl-")
	if err != nil {
		return k, err
	}
	defer os.RemoveAll(tmp)
	if out, err := run(tmp, "apt-get", "download", pkg); err != nil {
		// The package lists may be stale or missing: refresh once.
		if out2, err2 := run(tmp, "apt-get", "update"); err2 != nil {
			return k, fmt.Errorf("apt-get download %s: %v\n%s\napt-get update: %v\n%s", pkg, err, out, err2, out2)
		}
		if out, err := run(tmp, "apt-get", "download", pkg); err != nil {
			return k, fmt.Errorf("apt-get download %s: %v\n%s", pkg, err, out)
		}
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return k, fmt.Errorf("apt-get download %s gave %d packages", pkg, len(debs))
	}
	x := filepath.Join(tmp, "x")
	if out, err := run(tmp, "dpkg-deb", "-x", debs[0], x); err != nil {
		return k, fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	imgs, _ := filepath.Glob(filepath.Join(x, "boot", "vmlinuz-*"))
	cfgs, _ := filepath.Glob(filepath.Join(x, "boot", "config-*"))
	if len(imgs) != 1 || len(cfgs) != 1 {
		return k, fmt.Errorf("package %s has no single boot/vmlinuz-* and config-*", pkg)
	}
	if err := os.Rename(cfgs[0], k.Config); err != nil {
		return k, err
	}
	if err := os.Rename(imgs[0], k.Image); err != nil {
		return k, err
	}
	return k, nil
}

// kernelPackage resolves linux-image-amd64 to the real versioned package.
func kernelPackage() (string, error) {
	out, err := run("", "apt-cache", "depends", "linux-image-amd64")
	if err != nil || !bytes.Contains(out, []byte("Depends:")) {
		if out2, err2 := run("", "apt-get", "update"); err2 != nil {
			return "", fmt.Errorf("apt-get update: %v\n%s", err2, out2)
		}
		out, err = run("", "apt-cache", "depends", "linux-image-amd64")
		if err != nil {
			return "", fmt.Errorf("apt-cache depends linux-image-amd64: %v\n%s", err, out)
		}
	}
	m := regexp.MustCompile(`Depends: (linux-image-[0-9][^\s]*-amd64)\b`).FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("no linux-image-*-amd64 dependency in:\n%s", out)
	}
	return string(m[1]), nil
}

func run(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}
