package ipc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"s6box/core/ipc"
	"s6box/core/sudo"
	"s6box/test/harness"
)

// TestDeniedClientRunsNothing: a client whose uid the rules deny, or that
// no rule allows, is refused by s6-ipcserver-access before the program
// runs; an allowed one gets it. Both sides' access programs, both kinds of
// rules.
func TestDeniedClientRunsNothing(t *testing.T) {
	harness.NeedRoot(t, "clients connect as other users")
	for _, acc := range sides(t) {
		t.Run(string(acc), func(t *testing.T) {
			d := dir(t)
			src := rules(t, filepath.Join(d, "rules"), map[string]string{"uid/0": "allow", "uid/65534": "deny", "gid/65533": "allow"}, nil)
			db := filepath.Join(d, "rules.cdb")
			if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-accessrules-cdb-from-fs", db, src)); r.Code != 0 {
				t.Fatal(r.Stderr)
			}
			for _, opt := range []string{"-i", "-x"} {
				ruleset := map[string]string{"-i": src, "-x": db}[opt]
				sock := filepath.Join(d, "sock")
				marks := filepath.Join(d, "ran"+opt)
				os.Mkdir(marks, 0o777)
				os.Chmod(marks, 0o777)
				p := startServer(t, cmd(t, ours, "s6-ipcserver", "-1", sock, prog(t, acc, "s6-ipcserver-access"), "-v2", opt, ruleset,
					"sh", "-c", `touch "$0/$IPCREMOTEEUID"; echo served`, marks))
				for _, u := range []struct {
					uid, gid uint32
					allowed  bool
				}{{0, 0, true}, {65534, 65534, false}, {65532, 65532, false}, {65531, 65533, true}} {
					c := asUser(t, cmd(t, ours, "s6-ipcclient", sock, prog(t, ours, "s6-ioconnect")), u.uid, u.gid)
					r := harness.RunCmd(t, 10e9, c)
					served := strings.Contains(r.Stdout, "served")
					ran := harness.Exists(filepath.Join(marks, fmt.Sprint(u.uid)))
					if served != u.allowed || ran != u.allowed {
						t.Errorf("%s uid %d gid %d: served %v ran %v, want %v (%s)", opt, u.uid, u.gid, served, ran, u.allowed, r.Stderr)
					}
				}
				p.Stop(5e9)
				if !strings.Contains(p.Stderr.String(), "deny pid") || !strings.Contains(p.Stderr.String(), "uid 65534") {
					t.Errorf("%s: refusals not logged: %s", opt, p.Stderr.String())
				}
			}
		})
	}
}

// counter is a served program that records how many instances run at
// once in dir (one symlink per running instance) and answers "done".
func counter(dir string) []string {
	return []string{"sh", "-c", `ln -s x "$0/$$"; ls "$0" | wc -l >> "$0.counts"; sleep 0.2; rm -f "$0/$$"; echo done`, dir}
}

// maxCount is the highest concurrency a counter saw.
func maxCount(t *testing.T, dir string) (max, runs int) {
	b, err := os.ReadFile(dir + ".counts")
	if err != nil {
		t.Fatalf("no instance ran: %v", err)
	}
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		runs++
		if n > max {
			max = n
		}
	}
	return max, runs
}

// hammer runs n clients at once and returns how many were served.
func hammer(t *testing.T, sock string, n int) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	served := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := talk(t, sock, "")
			if err == nil && strings.Contains(out, "done") {
				mu.Lock()
				served++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return served
}

// TestConnectionLimits: 200 concurrent clients against -C (per uid: the
// extra ones are refused at once), -c (in all: the extra ones wait in the
// backlog and are all served in turn) and s6-connlimit (a per-uid maximum
// from the rules' env, IPCCONNMAX). The server still serves afterwards.
func TestConnectionLimits(t *testing.T) {
	const clients = 200
	t.Run("C", func(t *testing.T) {
		d := dir(t)
		sock, cnt := filepath.Join(d, "sock"), filepath.Join(d, "c")
		os.Mkdir(cnt, 0o755)
		p := startServer(t, cmd(t, ours, "s6-ipcserver", append([]string{"-1", "-c", "100", "-C", "5", sock}, counter(cnt)...)...))
		served := hammer(t, sock, clients)
		max, runs := maxCount(t, cnt)
		if max > 5 || runs != served || served == 0 || served == clients {
			t.Errorf("-C5: %d served, %d runs, at most %d at once", served, runs, max)
		}
		if n := hammer(t, sock, 1); n != 1 || p.Exited() {
			t.Errorf("server not serving after the storm")
		}
		if !strings.Contains(p.Stderr.String(), "deny 0:0 count 5/5") {
			t.Errorf("refusals not logged: %.300s", p.Stderr.String())
		}
	})
	t.Run("c", func(t *testing.T) {
		harness.NeedRoot(t, "clients of 20 different uids")
		d := dir(t)
		sock, cnt := filepath.Join(d, "sock"), filepath.Join(d, "c")
		os.Mkdir(cnt, 0o777)
		os.Chmod(cnt, 0o777)
		startServer(t, cmd(t, ours, "s6-ipcserver", append([]string{"-1", "-c", "8", "-C", "100", sock}, counter(cnt)...)...))
		var wg sync.WaitGroup
		var mu sync.Mutex
		served := 0
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(uid uint32) {
				defer wg.Done()
				r := harness.RunCmd(t, 120*time.Second, asUser(t, cmd(t, ours, "s6-ipcclient", sock, prog(t, ours, "s6-ioconnect")), uid, uid))
				if strings.Contains(r.Stdout, "done") {
					mu.Lock()
					served++
					mu.Unlock()
				}
			}(uint32(2000 + i%20))
		}
		wg.Wait()
		max, _ := maxCount(t, cnt)
		if max > 8 || served != clients {
			t.Errorf("-c8: %d of %d served, at most %d at once", served, clients, max)
		}
	})
	t.Run("connlimit", func(t *testing.T) {
		d := dir(t)
		sock, cnt := filepath.Join(d, "sock"), filepath.Join(d, "c")
		os.Mkdir(cnt, 0o755)
		uid := fmt.Sprintf("uid/%d", os.Geteuid())
		src := rules(t, filepath.Join(d, "rules"), map[string]string{uid: "allow"}, map[string]map[string]string{uid: {"IPCCONNMAX": "3\n"}})
		for _, cl := range sides(t) {
			os.Remove(cnt + ".counts")
			args := append([]string{"-1", "-c", "100", "-C", "100", sock, prog(t, ours, "s6-ipcserver-access"), "-v0", "-i", src, prog(t, cl, "s6-connlimit")}, counter(cnt)...)
			p := startServer(t, cmd(t, ours, "s6-ipcserver", args...))
			served := hammer(t, sock, clients)
			max, _ := maxCount(t, cnt)
			if max > 3 || served == 0 || served == clients {
				t.Errorf("%s s6-connlimit with IPCCONNMAX=3: %d served, at most %d at once", cl, served, max)
			}
			if !strings.Contains(p.Stderr.String(), "limited to 3") {
				t.Errorf("%s: refusals not explained: %.300s", cl, p.Stderr.String())
			}
			p.Stop(5e9)
		}
	})
}

// TestSudoEnvironment: the program s6-sudod runs gets the client's value
// only for variables the server's rules define empty; every pair of
// client and server.
func TestSudoEnvironment(t *testing.T) {
	for _, srv := range sides(t) {
		for _, cli := range sides(t) {
			t.Run(fmt.Sprintf("sudod=%s/sudo=%s", srv, cli), func(t *testing.T) {
				d := dir(t)
				uid := fmt.Sprintf("uid/%d", os.Geteuid())
				src := rules(t, filepath.Join(d, "rules"), map[string]string{uid: "allow"},
					map[string]map[string]string{uid: {"ALLOWED": "\n", "FIXED": "fixed\n"}})
				sock := filepath.Join(d, "sock")
				startServer(t, cmd(t, ours, "s6-ipcserver", "-1", sock, prog(t, ours, "s6-ipcserver-access"), "-v0", "-i", src,
					prog(t, srv, "s6-sudod"), "sh", "-c", `echo "args=$* A=$ALLOWED F=$FIXED E=${EVIL-unset}"; exit 3`, "zero"))
				c := cmd(t, cli, "s6-sudo", sock, "one", "two")
				c.Env = append(c.Env, "ALLOWED=yes", "FIXED=changed", "EVIL=1")
				r := harness.RunCmd(t, 10e9, c)
				if r.Code != 3 || r.Stdout != "args=one two A=yes F=fixed E=unset\n" {
					t.Errorf("%d %q %s", r.Code, r.Stdout, r.Stderr)
				}
				c = cmd(t, cli, "s6-sudo", "-e", sock)
				c.Env = append(c.Env, "ALLOWED=yes")
				if r := harness.RunCmd(t, 10e9, c); r.Stdout != "args= A= F=fixed E=unset\n" {
					t.Errorf("-e: %q %s", r.Stdout, r.Stderr)
				}
			})
		}
	}
}

// TestMalformedRequests: a client that breaks the sudo or fd holder
// protocol gets a clear refusal and the server goes on serving.
func TestMalformedRequests(t *testing.T) {
	t.Run("sudod", func(t *testing.T) {
		d := dir(t)
		sock := filepath.Join(d, "sock")
		p := startServer(t, cmd(t, ours, "s6-ipcserver", "-1", sock, prog(t, ours, "s6-sudod"), "true"))
		good := sudo.Encode(sudo.Request{Args: []string{"x"}})
		bad := append([]byte("s6-sudo z v1.0\n"), good[len(sudo.BannerA):]...)
		cases := []struct {
			name, msg string
			send      func(c *ipc.Conn) error
		}{
			{"banner", "wrong client banner", func(c *ipc.Conn) error { return ipc.SendMsg(c, bad, 0, 1, 2) }},
			{"fds", "client did not send 3 fds", func(c *ipc.Conn) error { return ipc.SendMsg(c, good, 0) }},
			{"lengths", "wrong client argc/envlen", func(c *ipc.Conn) error { return ipc.SendMsg(c, good[:len(good)-1], 0, 1, 2) }},
			{"junk", "protocol error", func(c *ipc.Conn) error { _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); return err }},
		}
		for _, tc := range cases {
			c, err := ipc.Dial(sock)
			if err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			banner := make([]byte, len(sudo.BannerB))
			if _, err := c.Read(banner); err != nil || string(banner) != sudo.BannerB {
				t.Fatalf("%s: banner %q %v", tc.name, banner, err)
			}
			if err := tc.send(c); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			b := make([]byte, 8)
			n, _ := c.Read(b)
			c.Close()
			if n > 1 || (n == 1 && b[0] != byte(syscall.EINVAL)) {
				t.Errorf("%s: answered %q", tc.name, b[:n])
			}
			harness.Eventually(t, 10*time.Second, tc.name+" logged", func() bool { return strings.Contains(p.Stderr.String(), tc.msg) })
		}
		if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-sudo", sock)); r.Code != 0 {
			t.Errorf("server no longer serving: %d %s", r.Code, r.Stderr)
		}
	})
	t.Run("fdholder", func(t *testing.T) {
		for _, srv := range sides(t) {
			d := dir(t)
			sock := filepath.Join(d, "sock")
			uid := fmt.Sprintf("uid/%d", os.Geteuid())
			src := rules(t, filepath.Join(d, "rules"), map[string]string{uid: "allow"}, map[string]map[string]string{uid: {"S6_FDHOLDER_LIST": "1\n", "S6_FDHOLDER_STORE_REGEX": ".\n"}})
			startServer(t, cmd(t, srv, "s6-fdholder-daemon", "-1", "-i", src, sock))
			for _, m := range [][]byte{{'Z'}, {'S', 1, 2, 3}, {'L', 'x'}, []byte("\x00\x00\x00\x00")} {
				c, err := ipc.Dial(sock)
				if err != nil {
					t.Fatal(err)
				}
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				ipc.SendMsg(c, m)
				b := make([]byte, 16)
				n, err := c.Read(b)
				c.Close()
				if n != 0 {
					t.Errorf("%s: %q answered %q (%v), want the connection dropped", srv, m, b[:n], err)
				}
			}
			if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-fdholder-store", sock, "still-there")); r.Code != 0 {
				t.Errorf("%s: server no longer serving: %d %s", srv, r.Code, r.Stderr)
			}
			if r := harness.RunCmd(t, 10e9, cmd(t, ours, "s6-fdholder-list", sock)); r.Stdout != "still-there\n" {
				t.Errorf("%s: list %q %s", srv, r.Stdout, r.Stderr)
			}
		}
	})
}
