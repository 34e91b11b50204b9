package container

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"s6box/test/harness"
)

// overlayTree is an s6-overlay style example: a cont-init.d script (using
// with-contenv through /command), an s6-rc oneshot and a longrun depending
// on it in the user bundle, a services.d longrun, a cont-finish.d script.
// Scripts are #!/bin/sh (busybox), not execline. The longruns notify
// readiness after printing, so the order of the lines is the order of the
// stages.
func overlayTree() map[string]string {
	return map[string]string{
		"etc/cont-init.d/10-hello":                             "#!/command/with-contenv sh\necho \"STAGE cont-init FOO=$FOO\"\n",
		"etc/s6-overlay/s6-rc.d/prep/type":                     "oneshot\n",
		"etc/s6-overlay/s6-rc.d/prep/up":                       "/bin/sh -c \"echo STAGE rc-oneshot\"\n",
		"etc/s6-overlay/s6-rc.d/prep/dependencies.d/base":      "",
		"etc/s6-overlay/s6-rc.d/daemon/type":                   "longrun\n",
		"etc/s6-overlay/s6-rc.d/daemon/notification-fd":        "3\n",
		"etc/s6-overlay/s6-rc.d/daemon/run":                    "#!/bin/sh\necho STAGE rc-longrun\necho >&3\nexec 3>&-\nexec sleep 1000\n",
		"etc/s6-overlay/s6-rc.d/daemon/dependencies.d/prep":    "",
		"etc/s6-overlay/s6-rc.d/daemon/dependencies.d/base":    "",
		"etc/s6-overlay/user-bundles.d/user/type":              "bundle\n",
		"etc/s6-overlay/user-bundles.d/user/contents.d/daemon": "",
		"etc/s6-overlay/user-bundles.d/user/contents.d/prep":   "",
		"etc/services.d/legacy/notification-fd":                "3\n",
		"etc/services.d/legacy/run":                            "#!/bin/sh\ntrap 'echo STAGE legacy-term; exit 0' TERM\necho STAGE services.d\necho >&3\nexec 3>&-\nwhile :; do sleep 1; done\n",
		"etc/cont-finish.d/10-bye":                             "#!/bin/sh\necho STAGE cont-finish\n",
	}
}

// buildOverlayImage writes the overlay init tree (init-maker -O), busybox
// and the files, and builds an image with the applets in /command too.
func buildOverlayImage(t *testing.T, out string, files map[string]string, env []string, cmd ...string) {
	t.Helper()
	work := t.TempDir()
	tree := filepath.Join(work, "tree")
	if r := harness.Run(t, "init-maker", "-O", "-b", "/bin/s6box", tree); r.Code != 0 {
		t.Fatalf("init-maker -O: %d %s", r.Code, r.Stderr)
	}
	ov := filepath.Join(work, "ov")
	busyboxOverlay(t, ov)
	for name, content := range files {
		mode := os.FileMode(0o644)
		if strings.Contains(name, ".d/") && !strings.Contains(name, "s6-overlay/") || strings.HasSuffix(name, "/run") || strings.HasSuffix(name, "/finish") {
			mode = 0o755
		}
		harness.WriteFile(t, filepath.Join(ov, name), content, mode)
	}
	args := []string{"-o", out, "-c", "-t", tree, "-O", ov, "-e", "PATH=/usr/bin:/bin", "-e", "FOO=bar"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	c := harness.Command(t, "image", append(append(args, "--"), cmd...)...)
	if r := harness.RunCmd(t, time.Minute, c); r.Code != 0 {
		t.Fatalf("image: %d %s", r.Code, r.Stderr)
	}
}

// runOverlay builds, unpacks and starts an overlay image; edit may change
// the OCI config before the start.
func runOverlay(t *testing.T, files map[string]string, env []string, edit func(cfg map[string]any), cmd ...string) (*harness.Proc, string, string) {
	t.Helper()
	dir := t.TempDir()
	buildOverlayImage(t, filepath.Join(dir, "img"), files, env, cmd...)
	bundle := filepath.Join(dir, "bundle")
	unpack(t, filepath.Join(dir, "img"), bundle)
	if edit != nil {
		p := filepath.Join(bundle, "config.json")
		b, _ := os.ReadFile(p)
		var cfg map[string]any
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		edit(cfg)
		b, _ = json.Marshal(cfg)
		os.WriteFile(p, b, 0o644)
	}
	p, id := run(t, bundle)
	return p, id, bundle
}

func output(p *harness.Proc) string { return p.Stdout.String() + p.Stderr.String() }

// stageOrder checks that the STAGE lines appear in this order.
func stageOrder(t *testing.T, out string, stages ...string) {
	t.Helper()
	last := -1
	for _, s := range stages {
		i := strings.Index(out, "STAGE "+s)
		if i < 0 {
			t.Fatalf("no %q in the output:\n%s", "STAGE "+s, out)
		}
		if i < last {
			t.Fatalf("%q comes too early:\n%s", "STAGE "+s, out)
		}
		last = i
	}
}

// The stages in order, the container environment through with-contenv and
// printcontenv, every service up before the CMD, the CMD's exit code as
// the container's, cont-finish.d after the CMD.
func TestOverlayStagesAndCmd(t *testing.T) {
	need(t, "umoci", "runc")
	p, _, _ := runOverlay(t, overlayTree(), []string{"S6_CMD_WAIT_FOR_SERVICES=1"}, nil, "sh", "-c",
		"echo STAGE CMD; test -x /run/s6/basedir/bin/halt && echo basedir-ok; echo \"CMD FOO=$FOO contenv=$(printcontenv FOO)\"; svstat -o up /run/service/legacy /run/service/daemon | tr '\\n' ' '; echo; exit 5")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 5 {
		t.Fatalf("exit %d (ended %v), want 5\n%s", code, ok, out)
	}
	stageOrder(t, out, "cont-init FOO=bar", "rc-oneshot", "rc-longrun", "services.d", "CMD", "cont-finish")
	if !strings.Contains(out, "basedir-ok\nCMD FOO= contenv=bar") {
		t.Errorf("the CMD should get a minimal environment and printcontenv the container's:\n%s", out)
	}
	if !strings.Contains(out, "/run/service/legacy: true /run/service/daemon: true") {
		t.Errorf("services not all up before the CMD (S6_CMD_WAIT_FOR_SERVICES=1):\n%s", out)
	}
	// services.d is stopped (TERM, its trap runs) before cont-finish.d.
	stageOrder(t, out, "CMD", "legacy-term", "cont-finish")
	if !strings.Contains(out, "using the s6-rc database compiled with the image") {
		t.Errorf("stage 2 did not use the database compiled by image:\n%s", out)
	}
}

// A cont-init.d script that changes the s6-rc sources: stage 2 sees they
// differ from those the image was compiled from and compiles them.
func TestOverlayChangedSourcesCompiled(t *testing.T) {
	need(t, "umoci", "runc")
	files := overlayTree()
	files["etc/cont-init.d/20-change"] = "#!/bin/sh\necho '/bin/sh -c \"echo STAGE rc-changed\"' >/etc/s6-overlay/s6-rc.d/prep/up\n"
	p, _, _ := runOverlay(t, files, nil, nil, "sh", "-c", "echo STAGE CMD")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 0 {
		t.Fatalf("exit %d (ended %v)\n%s", code, ok, out)
	}
	stageOrder(t, out, "cont-init", "rc-changed", "rc-longrun", "CMD")
	if strings.Contains(out, "STAGE rc-oneshot") || !strings.Contains(out, "differ from those the image was built with") {
		t.Errorf("the changed sources were not compiled at start:\n%s", out)
	}
}

// Without a CMD the container runs its services until runc kill TERM,
// then stops in order: services.d down, s6-rc down, cont-finish.d.
func TestOverlayTermStops(t *testing.T) {
	need(t, "umoci", "runc")
	p, id, _ := runOverlay(t, overlayTree(), nil, nil)
	harness.Eventually(t, 60*time.Second, "services.d up", func() bool {
		return strings.Contains(output(p), "STAGE services.d")
	})
	time.Sleep(200 * time.Millisecond)
	if p.Exited() {
		t.Fatalf("the container ended without a CMD:\n%s", output(p))
	}
	start := time.Now()
	if out, err := exec.Command("runc", "kill", id, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill: %v %s", err, out)
	}
	code, ok := p.Wait(30 * time.Second)
	out := output(p)
	if !ok {
		t.Fatalf("no stop after TERM:\n%s", out)
	}
	if code != 0 {
		t.Errorf("exit %d after TERM, want 0\n%s", code, out)
	}
	stageOrder(t, out, "services.d", "legacy-term", "cont-finish")
	if !strings.Contains(out, "service daemon successfully stopped") {
		t.Errorf("s6-rc did not stop the longrun:\n%s", out)
	}
	t.Logf("stopped %v after TERM", time.Since(start))
}

// S6_BEHAVIOUR_IF_STAGE2_FAILS=2: a failing cont-init.d script stops the
// container before the CMD.
func TestOverlayStage2FailStops(t *testing.T) {
	need(t, "umoci", "runc")
	files := overlayTree()
	files["etc/cont-init.d/20-fail"] = "#!/bin/sh\necho STAGE failing; exit 3\n"
	p, _, _ := runOverlay(t, files, []string{"S6_BEHAVIOUR_IF_STAGE2_FAILS=2"}, nil, "sh", "-c", "echo STAGE CMD")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code == 0 {
		t.Fatalf("exit %d (ended %v), want a failure\n%s", code, ok, out)
	}
	if strings.Contains(out, "STAGE CMD") || strings.Contains(out, "STAGE services.d") {
		t.Errorf("stage 2 went on after the failure:\n%s", out)
	}
	if !strings.Contains(out, "S6_BEHAVIOUR_IF_STAGE2_FAILS=2") {
		t.Errorf("no message naming S6_BEHAVIOUR_IF_STAGE2_FAILS:\n%s", out)
	}
	stageOrder(t, out, "failing", "cont-finish")
}

// S6_LOGGING=1: the catch-all log is in /var/log/s6-uncaught-logs, and the
// output is still copied to the container's output.
func TestOverlayLogging(t *testing.T) {
	need(t, "umoci", "runc")
	p, _, bundle := runOverlay(t, overlayTree(), []string{"S6_LOGGING=1"}, nil, "sh", "-c", "echo STAGE CMD")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 0 {
		t.Fatalf("exit %d (ended %v)\n%s", code, ok, out)
	}
	b, err := os.ReadFile(filepath.Join(bundle, "rootfs/var/log/s6-uncaught-logs/current"))
	if err != nil {
		t.Fatalf("no catch-all log: %v\n%s", err, out)
	}
	for _, want := range []string{"STAGE cont-init", "STAGE rc-longrun", "STAGE CMD", "STAGE cont-finish"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%q not in the catch-all log:\n%s", want, b)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%q not on the console (S6_LOGGING=1 copies):\n%s", want, out)
		}
	}
}

// Unsupported or malformed S6_* values are refused at start, by name.
func TestOverlayRefusesSettings(t *testing.T) {
	need(t, "umoci", "runc")
	for _, bad := range []string{"S6_CMD_RECEIVE_SIGNALS=1", "S6_LOGGING=3"} {
		p, _, _ := runOverlay(t, overlayTree(), []string{bad}, nil, "sh", "-c", "echo STAGE CMD")
		code, ok := p.Wait(60 * time.Second)
		out := output(p)
		if !ok || code != 100 {
			t.Errorf("%s: exit %d (ended %v), want 100\n%s", bad, code, ok, out)
		}
		if !strings.Contains(out, bad) || strings.Contains(out, "STAGE") {
			t.Errorf("%s: not refused by name before anything ran:\n%s", bad, out)
		}
	}
}

// A read-only root and a non-root USER: the container manager provides a
// writable /run (a tmpfs belonging to the user; umoci's config has none, so
// the test adds it, as docker run --read-only --tmpfs /run would), and
// S6_READ_ONLY_ROOT=1 moves the catch-all log to /run/uncaught-logs.
func TestOverlayReadOnlyRootAsUser(t *testing.T) {
	need(t, "umoci", "runc")
	edit := func(cfg map[string]any) {
		cfg["root"].(map[string]any)["readonly"] = true
		cfg["mounts"] = append(cfg["mounts"].([]any), map[string]any{"destination": "/run", "type": "tmpfs",
			"source": "tmpfs", "options": []any{"nosuid", "nodev", "mode=0755", "uid=1000", "gid=1000"}})
		cfg["process"].(map[string]any)["user"] = map[string]any{"uid": 1000, "gid": 1000}
	}
	p, _, _ := runOverlay(t, overlayTree(), []string{"S6_READ_ONLY_ROOT=1", "S6_LOGGING=1", "S6_CMD_WAIT_FOR_SERVICES=1"}, edit,
		"sh", "-c", "echo STAGE CMD uid=$(id -u); grep -c 'STAGE cont-init' /run/uncaught-logs/current; touch /etc/x 2>/dev/null || echo read-only; exit 4")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 4 {
		t.Fatalf("exit %d (ended %v), want 4\n%s", code, ok, out)
	}
	stageOrder(t, out, "cont-init FOO=bar", "rc-oneshot", "rc-longrun", "services.d", "CMD", "legacy-term", "cont-finish")
	if !strings.Contains(out, "STAGE CMD uid=1000\n1\nread-only\n") {
		t.Errorf("the catch-all log is not in /run/uncaught-logs, or the container ran as root:\n%s", out)
	}
}

// Without a CMD, a services.d finish script sets the container's exit code
// in /run/s6-linux-init-container-results/exitcode and halts with
// /run/s6/basedir/bin/halt, as s6-overlay's README shows.
func TestOverlayFinishScriptExitCode(t *testing.T) {
	need(t, "umoci", "runc")
	files := overlayTree()
	files["etc/services.d/once/run"] = "#!/bin/sh\necho STAGE once; exit 7\n"
	files["etc/services.d/once/finish"] = "#!/bin/sh\necho \"$1\" > /run/s6-linux-init-container-results/exitcode\nexec /run/s6/basedir/bin/halt\n"
	p, _, _ := runOverlay(t, files, nil, nil)
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 7 {
		t.Fatalf("exit %d (ended %v), want 7\n%s", code, ok, out)
	}
	stageOrder(t, out, "once", "cont-finish")
}

// S6_CMD_ARG0 is put before the CMD; a cont-finish.d script that hangs is
// killed after S6_KILL_FINISH_MAXTIME and the next one still runs.
func TestOverlayCmdArg0AndFinishMaxTime(t *testing.T) {
	need(t, "umoci", "runc")
	files := overlayTree()
	files["etc/cont-finish.d/05-hang"] = "#!/bin/sh\necho STAGE hang\nexec sleep 1000\n"
	p, _, _ := runOverlay(t, files, []string{"S6_CMD_ARG0=sh -c", "S6_KILL_FINISH_MAXTIME=300"}, nil,
		"echo STAGE argzero; exit 2")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 2 {
		t.Fatalf("exit %d (ended %v), want 2\n%s", code, ok, out)
	}
	stageOrder(t, out, "argzero", "hang", "cont-finish")
	if !strings.Contains(out, "05-hang killed after S6_KILL_FINISH_MAXTIME") {
		t.Errorf("no message about the killed script:\n%s", out)
	}
}

// S6_KEEP_ENV=1 gives the CMD (and everything) the whole environment;
// S6_LOGGING=2 logs everything, the CMD included, and prints nothing.
func TestOverlayKeepEnvLogging2(t *testing.T) {
	need(t, "umoci", "runc")
	p, _, bundle := runOverlay(t, overlayTree(), []string{"S6_KEEP_ENV=1", "S6_LOGGING=2"}, nil,
		"sh", "-c", "echo \"STAGE CMD FOO=$FOO\"")
	code, ok := p.Wait(60 * time.Second)
	out := output(p)
	if !ok || code != 0 {
		t.Fatalf("exit %d (ended %v)\n%s", code, ok, out)
	}
	if strings.Contains(out, "STAGE") {
		t.Errorf("S6_LOGGING=2 printed:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(bundle, "rootfs/var/log/s6-uncaught-logs/current"))
	if err != nil || !strings.Contains(string(b), "STAGE CMD FOO=bar") || !strings.Contains(string(b), "STAGE cont-init FOO=bar") {
		t.Errorf("log (%v):\n%s", err, b)
	}
}

// runc kill TERM with a CMD running: stage 3 runs, then init's TERM reaches
// the CMD, and the CMD's exit code (here its TERM trap's) is the
// container's.
func TestOverlayTermWithCmd(t *testing.T) {
	need(t, "umoci", "runc")
	p, id, _ := runOverlay(t, overlayTree(), nil, nil, "sh", "-c",
		"trap 'echo STAGE cmd-term; exit 9' TERM; echo STAGE CMD; while :; do sleep 1; done")
	harness.Eventually(t, 60*time.Second, "CMD running", func() bool { return strings.Contains(output(p), "STAGE CMD") })
	if out, err := exec.Command("runc", "kill", id, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill: %v %s", err, out)
	}
	code, ok := p.Wait(30 * time.Second)
	out := output(p)
	if !ok || code != 9 {
		t.Fatalf("exit %d (ended %v), want 9 from the CMD's trap\n%s", code, ok, out)
	}
	stageOrder(t, out, "CMD", "cont-finish", "cmd-term")
}

// A restarted container (its /run kept, not a tmpfs) starts clean: stage 0
// removes what the first run left, s6-rc's live directories included.
func TestOverlayRestartStartsClean(t *testing.T) {
	need(t, "umoci", "runc")
	p, _, bundle := runOverlay(t, overlayTree(), nil, nil, "sh", "-c", "echo STAGE CMD lives=$(ls -d /run/s6-rc:s6-rc-* | wc -l)")
	for i := 0; i < 2; i++ {
		if i == 1 {
			p, _ = run(t, bundle)
		}
		code, ok := p.Wait(60 * time.Second)
		out := output(p)
		if !ok || code != 0 {
			t.Fatalf("run %d: exit %d (ended %v)\n%s", i+1, code, ok, out)
		}
		if !strings.Contains(out, "STAGE CMD lives=1\n") {
			t.Errorf("run %d: not exactly one s6-rc live directory:\n%s", i+1, out)
		}
	}
}
