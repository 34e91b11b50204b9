package scanner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"s6box/core/rawio"
)

// Errors of Control that s6-svscanctl reports with exit code 100.
var (
	ErrNotListening = errors.New("supervisor not listening")
	ErrBadCtlDir    = errors.New("something is wrong with the .s6-svscan directory")
)

// ControlBytes are the bytes .s6-svscan/control understands.
const ControlBytes = "zabhitqnN"

// Control writes cmds in one write to DIR/.s6-svscan/control. An empty
// cmds only checks that a scanner listens.
func Control(dir string, cmds []byte) error {
	fifo := filepath.Join(dir, ".s6-svscan", "control")
	fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		switch {
		case err == syscall.ENXIO:
			return fmt.Errorf("unable to control %s: %w", dir, ErrNotListening)
		case err == syscall.ENOENT || err == syscall.ENOTDIR || err == syscall.EISDIR:
			if _, serr := os.Stat(dir); serr == nil {
				return fmt.Errorf("%w: %s: %v", ErrBadCtlDir, fifo, err)
			}
		}
		return fmt.Errorf("unable to control %s: %w", dir, err)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err == nil && st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return fmt.Errorf("%w: %s is not a fifo", ErrBadCtlDir, fifo)
	}
	if len(cmds) == 0 {
		return nil
	}
	// Blocking again: the scanner reads promptly, and PIPE_BUF keeps the
	// write whole.
	if err := syscall.SetNonblock(fd, false); err != nil {
		return fmt.Errorf("unable to control %s: %w", dir, err)
	}
	switch err := rawio.WriteAll(fd, cmds); err {
	case nil:
		return nil
	case syscall.EPIPE:
		return fmt.Errorf("unable to control %s: %w", dir, ErrNotListening)
	default:
		return fmt.Errorf("unable to write to %s: %w", fifo, err)
	}
}
