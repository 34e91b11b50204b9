// Package container builds OCI images with `s6box image`, checks them with
// umoci and skopeo, and runs them under runc, the way a container user
// would: umoci unpack, runc run.
package container

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"s6box/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		harness.NeedProgram(t, tool, tool)
	}
	harness.NeedRoot(t, "runc runs containers as root here")
}

// buildImage makes a container init tree (init-maker -C) and an image of
// it with busybox as the shell, CMD as given.
func buildImage(t *testing.T, out string, env []string, extra []string, cmd ...string) {
	t.Helper()
	work := t.TempDir()
	tree := filepath.Join(work, "tree")
	if r := harness.Run(t, "init-maker", "-C", "-1", "-b", "/bin/s6box", tree); r.Code != 0 {
		t.Fatalf("init-maker: %d %s", r.Code, r.Stderr)
	}
	ov := filepath.Join(work, "ov")
	busyboxOverlay(t, ov)
	args := append(append([]string{"-o", out, "-t", tree, "-O", ov}, extra...), "--")
	c := harness.Command(t, "image", append(args, cmd...)...)
	c.Env = append(c.Env, env...)
	if r := harness.RunCmd(t, time.Minute, c); r.Code != 0 {
		t.Fatalf("image: %d %s", r.Code, r.Stderr)
	}
}

// busyboxOverlay puts busybox and a few of its links (sh, sleep, echo,
// cat, mkdir, env, tr, id, grep, touch, test) in ov/bin: the images' shell.
func busyboxOverlay(t *testing.T, ov string) {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox (busybox-static) is needed for the images' shell")
	}
	b, _ := os.ReadFile(bb)
	harness.WriteFile(t, filepath.Join(ov, "bin/busybox"), string(b), 0o755)
	for _, n := range []string{"sh", "sleep", "echo", "cat", "mkdir", "env", "tr", "id", "grep", "touch", "test"} {
		os.Symlink("busybox", filepath.Join(ov, "bin", n))
	}
}

// unpack runs umoci unpack (which checks every digest and size) and makes
// the bundle runnable here: no terminal, no rlimits (runc refuses to raise
// them without CAP_SYS_RESOURCE on some machines).
func unpack(t *testing.T, image, bundle string) {
	t.Helper()
	if out, err := exec.Command("umoci", "unpack", "--image", image+":latest", bundle).CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, out)
	}
	p := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	proc := cfg["process"].(map[string]any)
	proc["terminal"] = false
	delete(proc, "rlimits")
	b, _ = json.Marshal(cfg)
	os.WriteFile(p, b, 0o644)
}

var containerSeq int

// run starts the bundle with runc run; the container is deleted at the end.
func run(t *testing.T, bundle string) (*harness.Proc, string) {
	t.Helper()
	containerSeq++
	id := "s6box-test-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-") + "-" + string(rune('a'+containerSeq))
	p := harness.Start(t, harness.Command(t, "runc", "run", "-b", bundle, id))
	t.Cleanup(func() { exec.Command("runc", "delete", "-f", id).Run() })
	return p, id
}

func TestImageReproducibleAndValid(t *testing.T) {
	need(t, "umoci", "skopeo")
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	buildImage(t, a, nil, nil, "true")
	buildImage(t, b, nil, nil, "true")
	buildImage(t, c, []string{"SOURCE_DATE_EPOCH=1700000000"}, nil, "true")
	ia, _ := os.ReadFile(filepath.Join(a, "index.json"))
	ib, _ := os.ReadFile(filepath.Join(b, "index.json"))
	ic, _ := os.ReadFile(filepath.Join(c, "index.json"))
	if !bytes.Equal(ia, ib) {
		t.Fatalf("same inputs, different images:\n%s\n%s", ia, ib)
	}
	if bytes.Equal(ia, ic) {
		t.Fatal("SOURCE_DATE_EPOCH did not change the image")
	}
	out, err := exec.Command("skopeo", "inspect", "--config", "oci:"+a+":latest").CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	var cfg struct {
		Config struct{ Entrypoint, Cmd, Env []string }
		Rootfs struct {
			DiffIDs []string `json:"diff_ids"`
		}
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		t.Fatalf("config: %v\n%s", err, out)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/init" || strings.Join(cfg.Config.Cmd, " ") != "true" || len(cfg.Rootfs.DiffIDs) != 1 {
		t.Fatalf("config: %+v", cfg)
	}
	// oci-archive: skopeo reads it too.
	arch := filepath.Join(dir, "img.tar")
	buildImage(t, arch, nil, nil, "true")
	if out, err := exec.Command("skopeo", "inspect", "oci-archive:"+arch).CombinedOutput(); err != nil {
		t.Fatalf("skopeo inspect oci-archive: %v\n%s", err, out)
	}
	// No host owner leaks: every file in the layer is 0:0.
	bundle := filepath.Join(dir, "bundle")
	unpack(t, a, bundle)
	filepath.Walk(filepath.Join(bundle, "rootfs"), func(p string, info os.FileInfo, err error) error {
		if err == nil {
			if st := info.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
				t.Errorf("%s owned by %d:%d", p, st.Uid, st.Gid)
			}
		}
		return nil
	})
}

// The CMD's exit code is the container's: 0, 3, and 128+n when killed.
func TestRuncExitCodes(t *testing.T) {
	need(t, "umoci", "runc")
	for _, c := range []struct {
		cmd  string
		want int
	}{{"exit 0", 0}, {"echo hello from CMD; exit 3", 3}, {"kill -9 $$", 137}} {
		dir := t.TempDir()
		buildImage(t, filepath.Join(dir, "img"), nil, nil, "sh", "-c", c.cmd)
		unpack(t, filepath.Join(dir, "img"), filepath.Join(dir, "bundle"))
		p, _ := run(t, filepath.Join(dir, "bundle"))
		code, ok := p.Wait(60 * time.Second)
		if !ok || code != c.want {
			t.Errorf("%q: exit %d (ended %v), want %d\nstdout: %s\nstderr: %s", c.cmd, code, ok, c.want, p.Stdout.String(), p.Stderr.String())
		}
	}
}

// runc kill TERM: an orderly stop well within the grace time.
func TestRuncTermStops(t *testing.T) {
	need(t, "umoci", "runc")
	dir := t.TempDir()
	buildImage(t, filepath.Join(dir, "img"), nil, nil, "sh", "-c", "echo CMD-UP; exec sleep 1000")
	unpack(t, filepath.Join(dir, "img"), filepath.Join(dir, "bundle"))
	p, id := run(t, filepath.Join(dir, "bundle"))
	harness.Eventually(t, 30*time.Second, "CMD running", func() bool {
		return strings.Contains(p.Stdout.String()+p.Stderr.String(), "CMD-UP")
	})
	start := time.Now()
	if out, err := exec.Command("runc", "kill", id, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill: %v %s", err, out)
	}
	code, ok := p.Wait(20 * time.Second)
	if !ok {
		t.Fatalf("the container did not stop after TERM\n%s%s", p.Stdout.String(), p.Stderr.String())
	}
	if code != 0 {
		t.Errorf("exit %d after TERM, want 0 (nothing recorded)", code)
	}
	t.Logf("stopped %v after TERM", time.Since(start))
}
