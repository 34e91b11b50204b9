package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

func needQemu(t *testing.T) (string, Kernel) {
	t.Helper()
	q, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		harness.SkipOrFail(t, "qemu-system-x86_64 not installed (Debian package qemu-system-x86)")
	}
	k, err := FetchKernel("cache")
	if err != nil {
		harness.SkipOrFail(t, "no Debian kernel: %v", err)
	}
	if err := k.CheckConfig(); err != nil {
		t.Fatal(err)
	}
	return q, k
}

// rc.init of the demo: once the logger is up (init runs rc.init only then)
// it checks that the scanner supervises the demo service and that the
// logger wrote the demo's line to /run/uncaught-logs, then powers off or
// reboots according to the kernel command line word. The absolute paths
// and s6 names matter: busybox sh runs its own applets (svok, poweroff)
// first; its poweroff, which signals pid 1 the
// busybox-init way (SIGUSR2), which means halt to s6-linux-init and to us.
const rcInit = `#!/bin/sh
rl="$1"; shift
echo "SMOKE rc.init: logger up, runlevel $rl, args: $*"
i=0
while ! s6-svok /run/service/demo; do sleep 0.1; i=$((i+1)); [ $i -gt 300 ] && break; done
s6-svok /run/service/demo && echo "SMOKE scanner up: demo supervised"
i=0
while ! grep -q "demo service running" /run/uncaught-logs/current; do sleep 0.1; i=$((i+1)); [ $i -gt 300 ] && break; done
grep -q "demo service running" /run/uncaught-logs/current && echo "SMOKE logger wrote: $(grep -m1 'demo service running' /run/uncaught-logs/current)"
read up rest < /proc/uptime
echo "SMOKE all up at $up"
case " $* " in
  *" smoke-poweroff "*) /sbin/poweroff ;;
  *" smoke-reboot "*) /sbin/reboot ;;
esac
`

const rcShutdown = `#!/bin/sh
echo "SMOKE rc.shutdown ran"
`

// BuildImage makes a demo initramfs with init-maker and the initramfs
// applet: s6box, busybox for sh/sleep/grep, a demo service.
func BuildImage(t testing.TB, out string) {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		harness.SkipOrFail(t, "busybox (busybox-static) not installed")
	}
	work := t.TempDir()
	tree := filepath.Join(work, "tree")
	r := harness.Run(t, "init-maker", "-1", "-b", "/bin/s6box", tree)
	if r.Code != 0 {
		t.Fatalf("init-maker: %s", r.Stderr)
	}
	harness.WriteFile(t, filepath.Join(tree, "scripts/rc.init"), rcInit, 0o755)
	harness.WriteFile(t, filepath.Join(tree, "scripts/rc.shutdown"), rcShutdown, 0o755)
	harness.WriteFile(t, filepath.Join(tree, "run-image/service/demo/run"),
		"#!/bin/sh\nwhile :; do echo \"demo service running\"; sleep 10; done\n", 0o755)
	ov := filepath.Join(work, "overlay")
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(ov, "bin/busybox"), string(b), 0o755)
	for _, n := range []string{"sh", "sleep", "grep", "cat"} {
		os.Symlink("busybox", filepath.Join(ov, "bin", n))
	}
	harness.WriteFile(t, filepath.Join(ov, "etc/passwd"), "root::0:0:root:/:/bin/sh\n", 0o644)
	r = harness.Run(t, "initramfs", "-o", out, "-t", tree, "-O", ov)
	if r.Code != 0 {
		t.Fatalf("initramfs: %s", r.Stderr)
	}
}

// boot starts QEMU on image with word on the kernel command line and waits
// (at most 5 minutes) for it to exit by itself; it returns the console and
// QEMU's exit status.
func boot(t *testing.T, qemu string, k Kernel, image, word string) (string, int) {
	t.Helper()
	c := startConsole(t, qemu, "-kernel", k.Image, "-initrd", image, "-append", "console=ttyS0 quiet panic=-1 "+word)
	code, ok := c.p.Wait(5 * time.Minute)
	if !ok {
		t.Fatalf("QEMU did not exit by itself within 5 minutes; console:\n%s", c.text())
	}
	return c.text(), code
}

func inOrder(t *testing.T, console string, markers ...string) {
	t.Helper()
	pos := 0
	for _, m := range markers {
		i := strings.Index(console[pos:], m)
		if i < 0 {
			t.Fatalf("console lacks %q (after offset %d); console:\n%s", m, pos, console)
		}
		pos += i + len(m)
	}
}

func TestBootPoweroffAndReboot(t *testing.T) {
	qemu, k := needQemu(t)
	image := filepath.Join(t.TempDir(), "initramfs.cpio.gz")
	BuildImage(t, image)
	for _, c := range []struct{ word, end string }{
		{"smoke-poweroff", "reboot: Power down"},
		{"smoke-reboot", "reboot: Restarting system"},
	} {
		t.Run(c.word, func(t *testing.T) {
			console, code := boot(t, qemu, k, image, c.word)
			if code != 0 {
				t.Fatalf("QEMU exit status %d; console:\n%s", code, console)
			}
			inOrder(t, console,
				"s6box init",
				"SMOKE rc.init: logger up, runlevel default, args: "+c.word,
				"SMOKE scanner up: demo supervised",
				"SMOKE logger wrote: @",
				"SMOKE all up at",
				"SMOKE rc.shutdown ran",
				"init: info: sending all processes the TERM signal...",
				c.end)
			if !strings.Contains(console, "demo service running") {
				t.Fatalf("demo service line not copied to the console:\n%s", console)
			}
			if strings.Contains(console, "Kernel panic") {
				t.Fatalf("kernel panic:\n%s", console)
			}
		})
	}
}
