package linuxinit

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"s6box/core/status"
)

// finish is the end of the machine (or the container) after rc.shutdown:
// services down, TERM to everything, a grace period that ends as soon as no
// process is left, KILL, then unmount, sync and reboot(2) — or, in a
// container, pid 1 exits with the recorded exit code.
func (s *initState) finish(action byte) int {
	cfg := s.cfg
	s.servicesDown()
	s.drainLogger(5 * time.Second)
	if !cfg.Container {
		unix.Sync()
		s.info("sending all processes the TERM signal...")
	}
	s.scannerCh = nil
	// pid 1's own write end goes: once every writer is gone the logger
	// reads EOF, writes what it has and exits by itself.
	if s.logW != nil {
		s.logW.Close()
	}
	syscall.Kill(-1, syscall.SIGTERM)
	syscall.Kill(-1, syscall.SIGCONT)
	if !waitNoChildren(cfg.Grace) {
		if !cfg.Container {
			unix.Sync()
			s.info("sending all processes the KILL signal...")
		}
		syscall.Kill(-1, syscall.SIGKILL)
		if !waitNoChildren(10 * time.Second) {
			s.warn("some processes survived SIGKILL")
		}
	}
	if s.logR != nil {
		s.logR.Close()
	}
	if cfg.Container {
		if cfg.SyncOnHalt {
			unix.Sync()
		}
		s.writeResult("haltcode", string(action))
		code := readExitCode(filepath.Join(cfg.ResultsDir, "exitcode"))
		if action == ActReboot {
			// In a PID namespace this makes the kernel kill us with SIGHUP,
			// which container managers read as "restart".
			unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
		}
		return code
	}
	if s.guest {
		// The root and every other filesystem are the host's too: a
		// read-only remount would reach them through our private copies.
		s.info("pid 1 of a PID namespace: leaving the filesystems mounted")
	} else if _, err := UmountAll("/proc/mounts", cfg.RunDir, s.warn); err != nil {
		s.warn("%v", err)
	}
	s.runWait(cfg.RCFinal, nil, false)
	unix.Sync()
	cmd := unix.LINUX_REBOOT_CMD_POWER_OFF
	switch action {
	case ActHalt:
		cmd = unix.LINUX_REBOOT_CMD_HALT
	case ActReboot:
		cmd = unix.LINUX_REBOOT_CMD_RESTART
	}
	err := unix.Reboot(cmd)
	s.warn("unable to reboot(): %v", err)
	for {
		time.Sleep(time.Hour)
	}
}

// servicesDown tells every supervised service except the catch-all logger
// to go down and waits (at most the grace time) until they are, so
// services stop before the blanket TERM and the logger stops last.
func (s *initState) servicesDown() {
	ents, err := os.ReadDir(s.cfg.ScanDir)
	if err != nil {
		return
	}
	var dirs []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") || e.Name() == s.cfg.LoggerName {
			continue
		}
		d := filepath.Join(s.cfg.ScanDir, e.Name())
		sendControl(d, "d")
		dirs = append(dirs, d)
	}
	deadline := time.Now().Add(s.cfg.Grace)
	for _, d := range dirs {
		for time.Now().Before(deadline) {
			st, err := status.Read(d)
			if err != nil || !st.Up() && st.PID == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// drainLogger waits (at most d) until the catch-all logger has read
// everything in its fifo, so the last lines of the stopped services and of
// rc.shutdown are logged before the logger gets its TERM. pid 1's own
// reading end shows how much is still unread.
func (s *initState) drainLogger(d time.Duration) {
	if s.logR == nil {
		return
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		n, err := unix.IoctlGetInt(int(s.logR.Fd()), unix.TIOCINQ) // FIONREAD
		if err != nil || n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.warn("the catch-all logger did not read its fifo empty")
}

// waitNoChildren waits until pid 1 has no child left, alive or zombie. Every
// user process descends from pid 1 (orphans are reparented to it), so no
// child means no process. waitid with WNOWAIT only looks: the reaper keeps
// reaping. It returns false if children remain after d.
func waitNoChildren(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.ECHILD {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func readExitCode(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > 255 {
		return 0
	}
	return n
}
