package qemu

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// literalGuide is reference/s6-init-walkthrough.txt as a user types it in
// the guide's chroot, after `make install` (the chroot's tools) and
// `make install DESTDIR=/mnt` (the image's). Every line is the guide's,
// except the ones marked DEVIATION, which are the documented differences:
//   - the image is a directory packed into an initramfs, not an ext4 file
//     mounted on /mnt (Debian's kernel has ext4 and its disk drivers as
//     modules), so the mount/umount/dd/mkfs steps are left out;
//   - skalibs/execline/s6/s6-linux-init/s6-rc are not built: s6box is
//     installed instead, by the test, with `make install` into the chroot
//     and into its /mnt (PREFIX=/usr, the README's default);
//   - wget of busybox is a copy of Debian's busybox-static;
//   - `mkdir -p /mnt/bin`: skarnet's packages install into /bin and so
//     create it; s6box installs into /usr/bin.
const literalGuide = `set -e
s6-linux-init-maker -1 -G "/sbin/getty 38400 ttyS0" /mnt/etc/s6-linux-init/current
mkdir /mnt/sbin/
cp /mnt/etc/s6-linux-init/current/bin/* /mnt/sbin/

mkdir -p /mnt/bin # DEVIATION
cd /mnt/bin
cp /root/busybox busybox # DEVIATION: instead of wget
chmod +x busybox
ln -s /bin/busybox /mnt/bin/sh
ln -s /bin/busybox /mnt/bin/ls
ln -s /bin/busybox /mnt/bin/login
ln -s /bin/busybox /mnt/bin/cat
ln -s /bin/busybox /mnt/sbin/getty

cat << EOF > /mnt/etc/passwd
root::0:0:root:/:/bin/sh
EOF

cat << EOF > /mnt/etc/group
root:x:0:root
EOF

mkdir /mnt/run
mkdir /mnt/dev

cd

ln -sv /bin/busybox /mnt/bin/echo
ln -sv /bin/busybox /mnt/bin/sleep

mkdir -pv /mnt/etc/s6-rc/source/demo-longrun-1
echo "longrun" > /mnt/etc/s6-rc/source/demo-longrun-1/type

cat << EOF > /mnt/etc/s6-rc/source/demo-longrun-1/run
#!/bin/sh
while :; do echo "demo-longrun-1 is running"; sleep 10; done
EOF

chmod +x /mnt/etc/s6-rc/source/demo-longrun-1/run

mkdir -pv /mnt/etc/s6-rc/source/demo-oneshot-1
echo "oneshot" > /mnt/etc/s6-rc/source/demo-oneshot-1/type

cat << EOF > /mnt/etc/s6-rc/source/demo-oneshot-1/up
#!/bin/sh
echo "demo-oneshot-1 is up"
EOF

chmod +x /mnt/etc/s6-rc/source/demo-oneshot-1/up

cat << EOF > /mnt/etc/s6-rc/source/demo-oneshot-1/down
#!/bin/sh
echo "demo-oneshot-1 is down"
EOF

chmod +x /mnt/etc/s6-rc/source/demo-oneshot-1/down

echo "demo-oneshot-1" > /mnt/etc/s6-rc/source/demo-longrun-1/dependencies

mkdir -pv /mnt/etc/s6-rc/source/default
echo "bundle" > /mnt/etc/s6-rc/source/default/type
echo "demo-longrun-1" >> /mnt/etc/s6-rc/source/default/contents

stamp=` + "`date -Iseconds`" + `
s6-rc-compile /mnt/etc/s6-rc/compiled-$stamp /mnt/etc/s6-rc/source
ln -s compiled-$stamp /mnt/etc/s6-rc/compiled

cat << "EOF" >> /mnt/etc/s6-linux-init/current/scripts/rc.init
s6-rc-init /run/service
exec /etc/s6-linux-init/current/scripts/runlevel "$rl"
EOF

cat << "EOF" >> /mnt/etc/s6-linux-init/current/scripts/runlevel
exec s6-rc -v2 -up change "$1"
EOF

cat << "EOF" >> /mnt/etc/s6-linux-init/current/scripts/rc.shutdown
exec s6-rc -v2 -bDa change
EOF
`

// The guide's console lines, in order, with the documented deviations:
// the banner is s6box's; stage 4 is init's own ("init: info: …", and no KILL
// line when nothing is left after TERM); there is no umountall error because
// init mounts /proc.
var guideStartLines = []string{
	"s6box init",
	// DEVIATION: our s6-rc-init also says which database it took
	// (/etc/s6-rc/compiled, as s6-rc < 0.6 would, since
	// /etc/s6-rc/compiled/current does not exist).
	"s6-rc-init: info: /etc/s6-rc/compiled/current does not exist, using the compiled database at /etc/s6-rc/compiled",
	"s6-rc: info: service s6rc-oneshot-runner: starting",
	"s6-rc: info: service s6rc-oneshot-runner successfully started",
	"s6-rc: info: service demo-oneshot-1: starting",
	"demo-oneshot-1 is up",
	"s6-rc: info: service demo-oneshot-1 successfully started",
	"s6-rc: info: service demo-longrun-1: starting",
	"s6-rc: info: service demo-longrun-1 successfully started",
}

var guideStopLines = []string{
	"s6-rc: info: service demo-longrun-1: stopping",
	"s6-rc: info: service demo-longrun-1 successfully stopped",
	"s6-rc: info: service demo-oneshot-1: stopping",
	"demo-oneshot-1 is down",
	"s6-rc: info: service demo-oneshot-1 successfully stopped",
	"s6-rc: info: service s6rc-oneshot-runner: stopping",
	"s6-rc: info: service s6rc-oneshot-runner successfully stopped",
	"init: info: sending all processes the TERM signal...",
	"reboot: Power down",
}

// TestLiteralGuide installs s6box as the README says, replays the guide's
// steps verbatim in a chroot (its "chroot jail"), boots the result, logs in
// as root on the early getty and powers off.
func TestLiteralGuide(t *testing.T) {
	qemu, k := needQemu(t)
	if !harness.IsRoot() {
		harness.SkipOrFail(t, "the guide runs as root in a chroot")
	}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		harness.SkipOrFail(t, "busybox (busybox-static) not installed")
	}
	for _, tool := range []string{"make", "cpio", "unshare", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			harness.SkipOrFail(t, "%s not installed", tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	chroot := filepath.Join(work, "chroot")
	mnt := filepath.Join(chroot, "mnt")
	for _, destdir := range []string{chroot, mnt} {
		// `make install` (the guide's "make install" and "make install
		// DESTDIR=/mnt"); -o build: the binary under test is already built.
		cmd := exec.Command("make", "-s", "-C", root, "-o", "build", "install", "DESTDIR="+destdir, "BIN="+harness.Binary(t))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make install DESTDIR=%s: %v\n%s", destdir, err, out)
		}
	}
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	// The chroot's own shell and tools (the guide's Alpine minirootfs).
	harness.WriteFile(t, filepath.Join(chroot, "bin/busybox"), string(b), 0o755)
	for _, n := range []string{"sh", "date", "mkdir", "cp", "ln", "chmod", "cat", "echo"} {
		os.Symlink("busybox", filepath.Join(chroot, "bin", n))
	}
	harness.WriteFile(t, filepath.Join(chroot, "root/busybox"), string(b), 0o755)
	harness.WriteFile(t, filepath.Join(chroot, "root/guide.sh"), literalGuide, 0o644)
	os.MkdirAll(filepath.Join(chroot, "proc"), 0o755)
	os.MkdirAll(filepath.Join(chroot, "tmp"), 0o1777)

	cmd := exec.Command("unshare", "--mount", "--fork", "sh", "-c",
		`mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh /root/guide.sh`, "sh", chroot)
	cmd.Env = []string{"PATH=/usr/bin:/usr/sbin:/bin:/sbin", "HOME=/root"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the guide's steps failed: %v\n%s", err, out)
	}
	t.Logf("guide steps:\n%s", out)

	image := filepath.Join(work, "rootfs.cpio")
	pack := exec.Command("sh", "-c", `cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet > "$2"`, "sh", mnt, image)
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("cpio: %v\n%s", err, out)
	}

	c := startConsole(t, qemu, "-kernel", k.Image, "-initrd", image,
		// DEVIATION: the guide has root=/dev/sda; the image is an initramfs.
		"-append", "console=ttyS0 quiet rdinit=/sbin/init panic=-1")
	c.waitFor(t, "login:", 3*time.Minute)
	c.waitFor(t, "demo-longrun-1 is running", 2*time.Minute)
	c.send(t, "root\n")
	c.waitFor(t, "# ", time.Minute)
	// DEVIATION: the guide types "poweroff". Debian's busybox sh runs its
	// own poweroff applet first, which sends SIGUSR2: halt to s6-linux-init
	// and to us. The guide's busybox had no such applet in the shell.
	c.send(t, "/sbin/poweroff\n")
	console := c.wait(t, 3*time.Minute)
	t.Logf("console:\n%s", console)
	inOrder(t, console, append(guideStartLines, guideStopLines...)...)
	// The daemon's first line and s6-rc's "successfully started" race to
	// the logger; the line itself must be there.
	if !strings.Contains(console, "demo-longrun-1 is running") {
		t.Fatal("demo-longrun-1 never ran")
	}
	for _, bad := range []string{"fatal", "unable to", "Kernel panic", "not up after"} {
		if strings.Contains(console, bad) {
			t.Fatalf("console has %q:\n%s", bad, console)
		}
	}
}

// console is a QEMU started with its serial port on a pipe, driven as a
// user at a terminal would: wait for a prompt, type a line.
type console struct {
	p   *harness.Proc
	in  io.WriteCloser
	pos int
}

func startConsole(t *testing.T, qemu string, args ...string) *console {
	t.Helper()
	cmd := exec.Command(qemu, append([]string{"-nographic", "-no-reboot", "-m", "256",
		"-monitor", "none", "-serial", "stdio"}, args...)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return &console{p: harness.Start(t, cmd), in: in}
}

func (c *console) text() string { return c.p.Stdout.String() + c.p.Stderr.String() }

// waitFor waits until text appears after what earlier waits consumed.
func (c *console) waitFor(t *testing.T, text string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := c.p.Stdout.String()
		if i := strings.Index(s[c.pos:], text); i >= 0 {
			c.pos += i + len(text)
			return
		}
		if c.p.Exited() {
			t.Fatalf("QEMU exited before %q; console:\n%s", text, c.text())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q within %v; console:\n%s", text, d, c.text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *console) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.in, line); err != nil {
		t.Fatalf("typing %q: %v", line, err)
	}
}

// wait waits for QEMU to exit by itself (a power-off) and returns the
// whole console.
func (c *console) wait(t *testing.T, d time.Duration) string {
	t.Helper()
	code, ok := c.p.Wait(d)
	if !ok {
		t.Fatalf("QEMU did not power off within %v; console:\n%s", d, c.text())
	}
	if code != 0 {
		t.Fatalf("QEMU exit status %d; console:\n%s", code, c.text())
	}
	return c.text()
}
