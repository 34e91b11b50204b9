package rc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// guideScript is the walk-through guide's s6-rc part verbatim (its paths
// without the /mnt image prefix), plus the namespace setup, the
// runlevel/rc.shutdown lines and a wait for the daemon's first line before
// shutting down; DIR and SVSCAN are substituted.
const guideScript = `set -e
mount -t tmpfs tmpfs /run
mount -t overlay overlay -o lowerdir=/etc,upperdir=DIR/up,workdir=DIR/work /etc
mkdir /run/service
SVSCAN /run/service >DIR/catchall 2>&1 &
while ! [ -p /run/service/.s6-svscan/control ]; do sleep 0.05; done

mkdir -pv /etc/s6-rc/source/demo-longrun-1
echo "longrun" > /etc/s6-rc/source/demo-longrun-1/type

cat << EOF > /etc/s6-rc/source/demo-longrun-1/run
#!/bin/sh
while :; do echo "demo-longrun-1 is running"; sleep 10; done
EOF

chmod +x /etc/s6-rc/source/demo-longrun-1/run

mkdir -pv /etc/s6-rc/source/demo-oneshot-1
echo "oneshot" > /etc/s6-rc/source/demo-oneshot-1/type

cat << EOF > /etc/s6-rc/source/demo-oneshot-1/up
#!/bin/sh
echo "demo-oneshot-1 is up"
EOF

chmod +x /etc/s6-rc/source/demo-oneshot-1/up

cat << EOF > /etc/s6-rc/source/demo-oneshot-1/down
#!/bin/sh
echo "demo-oneshot-1 is down"
EOF

chmod +x /etc/s6-rc/source/demo-oneshot-1/down

echo "demo-oneshot-1" > /etc/s6-rc/source/demo-longrun-1/dependencies

mkdir -pv /etc/s6-rc/source/default
echo "bundle" > /etc/s6-rc/source/default/type
echo "demo-longrun-1" >> /etc/s6-rc/source/default/contents

stamp=` + "`" + `date -Iseconds` + "`" + `
s6-rc-compile /etc/s6-rc/compiled-$stamp /etc/s6-rc/source
ln -s compiled-$stamp /etc/s6-rc/compiled

s6-rc-init /run/service 2>DIR/init.err
rl=default
s6-rc -v2 -up change "$rl" >DIR/boot 2>&1
s6-rc -a list >DIR/list
while ! grep -q "demo-longrun-1 is running" DIR/catchall; do sleep 0.05; done
s6-rc -v2 -bDa change >DIR/shutdown 2>&1
`

// The walk-through guide run verbatim in a private mount and pid namespace
// where /run is a tmpfs and /etc an overlay, so the default paths
// /run/s6-rc and /etc/s6-rc/compiled are used exactly as in the guide.
func TestWalkthroughVerbatimInNamespace(t *testing.T) {
	harness.NeedRoot(t, "mount namespaces")
	unshare := harness.NeedProgram(t, "unshare", "util-linux")
	forEachScanner(t, func(t *testing.T, sc scanner) { walkthroughInNamespace(t, unshare, sc.argv(t)[0]) })
}

func walkthroughInNamespace(t *testing.T, unshare, svscan string) {
	dir := t.TempDir()
	for _, d := range []string{"up", "work"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	script := strings.NewReplacer("DIR", dir, "SVSCAN", svscan).Replace(guideScript)
	cmd := harness.Command(t, unshare, "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", script)
	r := harness.RunCmd(t, 120*time.Second, cmd)
	if r.Code != 0 {
		if strings.Contains(r.Stderr, "mount:") {
			harness.SkipOrFail(t, "namespace setup not possible here: %s", r.Stderr)
		}
		t.Fatalf("script: %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	read := func(f string) string {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		return string(b)
	}
	if got := read("init.err"); got != "s6-rc-init: info: /etc/s6-rc/compiled/current does not exist, using the compiled database at /etc/s6-rc/compiled\n" {
		t.Errorf("s6-rc-init said %q", got)
	}
	wantBoot := "s6-rc: info: service s6rc-oneshot-runner: starting\n" +
		"s6-rc: info: service s6rc-oneshot-runner successfully started\n" +
		"s6-rc: info: service demo-oneshot-1: starting\n" +
		"demo-oneshot-1 is up\n" +
		"s6-rc: info: service demo-oneshot-1 successfully started\n" +
		"s6-rc: info: service demo-longrun-1: starting\n" +
		"s6-rc: info: service demo-longrun-1 successfully started\n"
	if got := read("boot"); got != wantBoot {
		t.Errorf("boot output:\n%s\nwant:\n%s", got, wantBoot)
	}
	if got := read("list"); got != "s6rc-oneshot-runner\ndemo-longrun-1\ndemo-oneshot-1\n" {
		t.Errorf("list %q", got)
	}
	wantDown := "s6-rc: info: service demo-longrun-1: stopping\n" +
		"s6-rc: info: service demo-longrun-1 successfully stopped\n" +
		"s6-rc: info: service demo-oneshot-1: stopping\n" +
		"demo-oneshot-1 is down\n" +
		"s6-rc: info: service demo-oneshot-1 successfully stopped\n" +
		"s6-rc: info: service s6rc-oneshot-runner: stopping\n" +
		"s6-rc: info: service s6rc-oneshot-runner successfully stopped\n"
	if got := read("shutdown"); got != wantDown {
		t.Errorf("shutdown output:\n%s\nwant:\n%s", got, wantDown)
	}
	if !strings.Contains(read("catchall"), "demo-longrun-1 is running") {
		t.Errorf("the daemon's output did not reach the catch-all: %q", read("catchall"))
	}
}
