package ipc

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"s6box/test/harness"
)

// TestSocketActivation is the README's "Local services" example, command
// for command: s6-ipcserver-socketbinder binds the socket once and hands
// it to the fd holder; the supervised daemon takes it from the holder at
// every start (s6-fdholder-retrieve … s6-ipcserverd). While the daemon is
// restarted again and again, clients keep connecting: none is refused,
// every one is answered, since the listening socket never closes.
func TestSocketActivation(t *testing.T) {
	for _, holder := range sides(t) {
		t.Run("holder="+string(holder), func(t *testing.T) {
			run := dir(t)
			// The holder's rules: root may store and retrieve "unix:" names.
			rules(t, filepath.Join(run, "rules"), map[string]string{"uid/0": "allow"},
				map[string]map[string]string{"uid/0": {
					"S6_FDHOLDER_STORE_REGEX":    "^unix:\n",
					"S6_FDHOLDER_RETRIEVE_REGEX": "^unix:\n",
				}})
			fdh := filepath.Join(run, "fdholder")
			sock := filepath.Join(run, "hello.sock")
			startServer(t, cmd(t, holder, "s6-fdholder-daemon", "-1", "-i", filepath.Join(run, "rules"), fdh))
			r := harness.RunCmd(t, 10*time.Second, cmd(t, ours, "s6-ipcserver-socketbinder", sock, "s6-fdholder-store", fdh, "unix:"+sock))
			if r.Code != 0 {
				t.Fatalf("bind and store: %d %s", r.Code, r.Stderr)
			}
			// The service: its run script gets the socket from the holder.
			svc := filepath.Join(run, "hello")
			harness.WriteFile(t, filepath.Join(svc, "run"), "#!/bin/sh\nexec s6-fdholder-retrieve "+fdh+" unix:"+sock+" s6-ipcserverd echo hello\n", 0o755)
			harness.Start(t, cmd(t, ours, "s6-supervise", svc))
			harness.Eventually(t, 10*time.Second, "the first answer", func() bool {
				out, err := talk(t, sock, "")
				return err == nil && out == "hello\n"
			})

			var stop atomic.Bool
			var answered, failed atomic.Int64
			var mu sync.Mutex
			var errs []string
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for !stop.Load() {
						out, err := talk(t, sock, "")
						if err != nil || out != "hello\n" {
							failed.Add(1)
							mu.Lock()
							errs = append(errs, strings.TrimSpace(out)+" "+errString(err))
							mu.Unlock()
							continue
						}
						answered.Add(1)
					}
				}()
			}
			for i := 0; i < 8; i++ {
				time.Sleep(150 * time.Millisecond)
				if r := harness.RunCmd(t, 10*time.Second, cmd(t, ours, "s6-svc", "-r", svc)); r.Code != 0 {
					t.Fatalf("s6-svc -r: %d %s", r.Code, r.Stderr)
				}
			}
			time.Sleep(150 * time.Millisecond)
			stop.Store(true)
			wg.Wait()
			if failed.Load() != 0 || answered.Load() < 8 {
				t.Errorf("%d answered, %d failed: %.5q", answered.Load(), failed.Load(), errs)
			}
			// The socket is still the one bound at first, held all along.
			if r := harness.RunCmd(t, 10*time.Second, cmd(t, ours, "s6-fdholder-list", fdh)); r.Code != 111 && r.Code != 1 {
				t.Errorf("list without the right: %d %q", r.Code, r.Stdout)
			}
			harness.RunCmd(t, 10*time.Second, cmd(t, ours, "s6-svc", "-d", svc))
			if _, err := os.Stat(sock); err != nil {
				t.Errorf("socket file: %v", err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
