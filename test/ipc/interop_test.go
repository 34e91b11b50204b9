package ipc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"s6box/test/harness"
)

// TestServerClientInterop: every server with every client, through
// s6-ipcclient + s6-ioconnect, and the UCSPI environment the served program
// gets.
func TestServerClientInterop(t *testing.T) {
	for _, srv := range sides(t) {
		for _, cli := range sides(t) {
			t.Run(fmt.Sprintf("server=%s/client=%s", srv, cli), func(t *testing.T) {
				d := dir(t)
				sock := filepath.Join(d, "sock")
				startServer(t, cmd(t, srv, "s6-ipcserver", "-1", sock, "sh", "-c", `env; echo "got $(cat)"`))
				c := cmd(t, cli, "s6-ipcclient", sock, prog(t, cli, "s6-ioconnect"))
				c.Stdin = strings.NewReader("ping\n")
				r := harness.RunCmd(t, 10e9, c)
				if r.Code != 0 || !strings.Contains(r.Stdout, "got ping") {
					t.Fatalf("client: %d %q %s", r.Code, r.Stdout, r.Stderr)
				}
				env := envOf(r.Stdout)
				want := map[string]string{"PROTO": "IPC", "IPCREMOTEEUID": fmt.Sprint(os.Geteuid()),
					"IPCREMOTEEGID": fmt.Sprint(os.Getegid()), "IPCCONNNUM": "1", "IPCREMOTEPATH": ""}
				for k, v := range want {
					if got, ok := env[k]; !ok || got != v {
						t.Errorf("%s=%q (set: %v), want %q", k, got, ok, v)
					}
				}
			})
		}
	}
}

// TestClientEnv: what s6-ipcclient gives its program, ours and s6's alike.
func TestClientEnv(t *testing.T) {
	d := dir(t)
	sock := filepath.Join(d, "sock")
	startServer(t, cmd(t, ours, "s6-ipcserver", "-1", sock, "true"))
	var outs []string
	for _, cli := range sides(t) {
		bind := filepath.Join(d, "client-"+string(cli))
		r := harness.RunCmd(t, 10e9, cmd(t, cli, "s6-ipcclient", "-p", bind, sock, "sh", "-c", `echo "$PROTO $IPCLOCALPATH"; ls -l /proc/self/fd/6 /proc/self/fd/7 | grep -c socket`))
		if r.Code != 0 {
			t.Fatalf("%s: %d %s", cli, r.Code, r.Stderr)
		}
		outs = append(outs, strings.ReplaceAll(r.Stdout, string(cli), "X"))
		if !strings.HasPrefix(r.Stdout, "IPC "+bind+"\n2\n") {
			t.Errorf("%s: %q", cli, r.Stdout)
		}
	}
	if len(outs) == 2 && outs[0] != outs[1] {
		t.Errorf("ours %q, s6 %q", outs[0], outs[1])
	}
}

// TestAccessRulesCDB: the cdb compilers agree byte for byte, and each
// decompiler reads the other's database into the same tree.
func TestAccessRulesCDB(t *testing.T) {
	d := t.TempDir()
	src := rules(t, filepath.Join(d, "rules"),
		map[string]string{"uid/0": "allow", "uid/1000": "deny", "gid/100": "allow", "uid/default": "deny"},
		map[string]map[string]string{"uid/0": {"GREETING": "hello  \n", "EMPTY": "\n", "GONE": ""}, "gid/100": {"X": "y"}})
	harness.WriteFile(t, filepath.Join(src, "gid/100/exec"), "echo diverted", 0o644)
	dbs := map[side]string{}
	for _, s := range sides(t) {
		dbs[s] = filepath.Join(d, string(s)+".cdb")
		if r := harness.RunCmd(t, 10e9, cmd(t, s, "s6-accessrules-cdb-from-fs", dbs[s], src)); r.Code != 0 {
			t.Fatalf("%s cdb-from-fs: %d %s", s, r.Code, r.Stderr)
		}
	}
	if len(dbs) == 2 {
		a, _ := os.ReadFile(dbs[ours])
		b, _ := os.ReadFile(dbs[theirs])
		if !bytes.Equal(a, b) {
			t.Errorf("the databases differ: ours %d bytes, s6's %d", len(a), len(b))
		}
	}
	var trees []string
	for _, dec := range sides(t) {
		for _, db := range sides(t) {
			out := filepath.Join(d, fmt.Sprintf("tree-%s-%s", dec, db))
			if r := harness.RunCmd(t, 10e9, cmd(t, dec, "s6-accessrules-fs-from-cdb", out, dbs[db])); r.Code != 0 {
				t.Fatalf("%s fs-from-cdb of %s's: %d %s", dec, db, r.Code, r.Stderr)
			}
			trees = append(trees, dump(t, out))
		}
	}
	for _, tr := range trees[1:] {
		if tr != trees[0] {
			t.Errorf("decompiled trees differ:\n%s\n---\n%s", trees[0], tr)
		}
	}
	if !strings.Contains(trees[0], "uid/0/env/GREETING=hello\n") || !strings.Contains(trees[0], "gid/100/exec=echo diverted") {
		t.Errorf("tree:\n%s", trees[0])
	}
	// A target that exists is refused, and nothing is written into it.
	if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-accessrules-fs-from-cdb", src, dbs[ours])); r.Code != 111 {
		t.Errorf("existing dir: %d %s", r.Code, r.Stderr)
	}
}

// dump lists a tree as "path=content" lines.
func dump(t *testing.T, root string) string {
	var b strings.Builder
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		if fi.IsDir() {
			fmt.Fprintf(&b, "%s/ %v\n", rel, fi.Mode())
			return nil
		}
		c, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "%s=%s %v\n", rel, c, fi.Mode())
		return nil
	})
	return b.String()
}

// TestAccessEnv: s6-ipcserver-access of each side, with a cdb from each
// side, sets the rule's environment and IPCLOCALPATH, and -E removes the
// UCSPI variables.
func TestAccessEnv(t *testing.T) {
	for _, acc := range sides(t) {
		t.Run(string(acc), func(t *testing.T) {
			d := dir(t)
			src := rules(t, filepath.Join(d, "rules"), map[string]string{fmt.Sprintf("uid/%d", os.Geteuid()): "allow"},
				map[string]map[string]string{fmt.Sprintf("uid/%d", os.Geteuid()): {"RULEVAR": "from-rule\n"}})
			db := filepath.Join(d, "rules.cdb")
			if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-accessrules-cdb-from-fs", db, src)); r.Code != 0 {
				t.Fatal(r.Stderr)
			}
			for _, opt := range [][]string{{"-i", src}, {"-x", db}, {"-E", "-x", db}} {
				sock := filepath.Join(d, "sock")
				args := append([]string{"-1", sock, prog(t, acc, "s6-ipcserver-access")}, opt...)
				p := startServer(t, cmd(t, ours, "s6-ipcserver", append(args, "env")...))
				out, err := talk(t, sock, "")
				p.Stop(5e9)
				env := envOf(out)
				if err != nil || env["RULEVAR"] != "from-rule" {
					t.Fatalf("%v: %v %q", opt, err, out)
				}
				_, hasProto := env["PROTO"]
				if opt[0] == "-E" {
					if hasProto || env["IPCLOCALPATH"] != "" || env["IPCREMOTEEUID"] != "" {
						t.Errorf("-E left %q", out)
					}
				} else if !hasProto || env["IPCLOCALPATH"] != sock {
					t.Errorf("%v: %q", opt, out)
				}
			}
		})
	}
}
