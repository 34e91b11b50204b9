package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

// The walk-through guide's s6-rc demo (reference/s6-init-walkthrough.txt),
// with init-maker -r wiring s6-rc in instead of hand-edited skeletons. The
// database is compiled in the guest at boot, so the compiled run scripts
// name the guest's /bin/s6box. The expected console lines are the guide's.
func TestGuideS6rcDemo(t *testing.T) {
	qemu, k := needQemu(t)
	bb, err := exec.LookPath("busybox")
	if err != nil {
		harness.SkipOrFail(t, "busybox (busybox-static) not installed")
	}
	work := t.TempDir()
	ov := filepath.Join(work, "ov")
	src := filepath.Join(ov, "etc/s6-rc/source")
	harness.WriteFile(t, filepath.Join(src, "demo-longrun-1/type"), "longrun\n", 0o644)
	harness.WriteFile(t, filepath.Join(src, "demo-longrun-1/run"), "#!/bin/sh\nwhile :; do echo \"demo-longrun-1 is running\"; sleep 10; done\n", 0o755)
	harness.WriteFile(t, filepath.Join(src, "demo-longrun-1/dependencies"), "demo-oneshot-1\n", 0o644)
	harness.WriteFile(t, filepath.Join(src, "demo-oneshot-1/type"), "oneshot\n", 0o644)
	harness.WriteFile(t, filepath.Join(src, "demo-oneshot-1/up"), "#!/bin/sh\necho \"demo-oneshot-1 is up\"\n", 0o755)
	harness.WriteFile(t, filepath.Join(src, "demo-oneshot-1/down"), "#!/bin/sh\necho \"demo-oneshot-1 is down\"\n", 0o755)
	harness.WriteFile(t, filepath.Join(src, "default/type"), "bundle\n", 0o644)
	harness.WriteFile(t, filepath.Join(src, "default/contents"), "demo-longrun-1\n", 0o644)
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(ov, "bin/busybox"), string(b), 0o755)
	for _, n := range []string{"sh", "sleep", "echo"} {
		os.Symlink("busybox", filepath.Join(ov, "bin", n))
	}
	tree := filepath.Join(work, "tree")
	if r := harness.Run(t, "init-maker", "-1", "-b", "/bin/s6box", "-r", "/run/compiled", tree); r.Code != 0 {
		t.Fatalf("init-maker: %s", r.Stderr)
	}
	rcinit := filepath.Join(tree, "scripts/rc.init")
	text, err := os.ReadFile(rcinit)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	// Compile at boot; run the runlevel without exec, then power off (the
	// spec's automation hook: the kernel word reaches rc.init).
	s = strings.Replace(s, "shift\n", "shift\ns6-rc-compile /run/compiled /etc/s6-rc/source\n", 1)
	s = strings.Replace(s, "exec /etc/s6-linux-init/current/scripts/runlevel", "/etc/s6-linux-init/current/scripts/runlevel", 1)
	if !strings.Contains(s, "s6-rc-init -c /run/compiled /run/service") {
		t.Fatalf("init-maker -r did not wire s6-rc-init:\n%s", s)
	}
	s += "case \" $* \" in *\" smoketest \"*) /sbin/poweroff ;; esac\n"
	harness.WriteFile(t, rcinit, s, 0o755)
	image := filepath.Join(work, "img.cpio.gz")
	if r := harness.Run(t, "initramfs", "-o", image, "-t", tree, "-O", ov); r.Code != 0 {
		t.Fatalf("initramfs: %s", r.Stderr)
	}
	console, code := boot(t, qemu, k, image, "smoketest")
	if code != 0 {
		t.Fatalf("QEMU exit status %d; console:\n%s", code, console)
	}
	// The guide's lines (literal_guide_test.go) without s6-rc-init's note:
	// -r gives it -c.
	inOrder(t, console, append(append([]string{guideStartLines[0]}, guideStartLines[2:]...), guideStopLines...)...)
	if !strings.Contains(console, "demo-longrun-1 is running") {
		t.Fatalf("longrun line missing:\n%s", console)
	}
	if strings.Contains(console, "umountall") || strings.Contains(console, "fatal") {
		t.Fatalf("unexpected error on the console:\n%s", console)
	}
}
