package linuxinit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Actions carried by a control message. 'S' runs rc.shutdown only.
const (
	ActSingle   = 'S'
	ActHalt     = 'h'
	ActPoweroff = 'p'
	ActReboot   = 'r'
	ActCancel   = 'c'
	ActRunlevel = 'l' // extension: ask pid 1 to run the runlevel script
)

// Message is one request to pid 1 on its control fifo. The framing of the
// shutdown requests is s6-linux-init-shutdownd's: the action byte, a
// relative delay as TAI64N (8-byte big-endian seconds, 4-byte nanoseconds)
// and a big-endian uint32 grace time in ms (0 = default). 'c' is one byte.
// 'l' (an s6box extension) is followed by a length byte and a runlevel name.
type Message struct {
	Action   byte
	Delay    time.Duration
	GraceMs  uint32
	Runlevel string
}

// Encode frames m.
func (m Message) Encode() []byte {
	switch m.Action {
	case ActCancel:
		return []byte{ActCancel}
	case ActRunlevel:
		return append([]byte{ActRunlevel, byte(len(m.Runlevel))}, m.Runlevel...)
	}
	b := make([]byte, 17)
	b[0] = m.Action
	binary.BigEndian.PutUint64(b[1:9], uint64(m.Delay/time.Second))
	binary.BigEndian.PutUint32(b[9:13], uint32(m.Delay%time.Second))
	binary.BigEndian.PutUint32(b[13:17], m.GraceMs)
	return b
}

// ErrShort means the buffer holds only part of a message.
var ErrShort = errors.New("incomplete control message")

// Decode reads one message from the front of b and returns how many bytes
// it used. An unknown action byte is an error that consumes one byte.
func Decode(b []byte) (Message, int, error) {
	if len(b) == 0 {
		return Message{}, 0, ErrShort
	}
	switch b[0] {
	case ActCancel:
		return Message{Action: ActCancel}, 1, nil
	case ActRunlevel:
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return Message{}, 0, ErrShort
		}
		return Message{Action: ActRunlevel, Runlevel: string(b[2 : 2+int(b[1])])}, 2 + int(b[1]), nil
	case ActSingle, ActHalt, ActPoweroff, ActReboot:
		if len(b) < 17 {
			return Message{}, 0, ErrShort
		}
		sec := binary.BigEndian.Uint64(b[1:9])
		nano := binary.BigEndian.Uint32(b[9:13])
		if sec > 1<<32 || nano >= 1e9 {
			return Message{}, 17, fmt.Errorf("bad delay in control message")
		}
		return Message{Action: b[0], Delay: time.Duration(sec)*time.Second + time.Duration(nano), GraceMs: binary.BigEndian.Uint32(b[13:17])}, 17, nil
	}
	return Message{}, 1, fmt.Errorf("unknown command: %q", b[0])
}

// ControlEnv names the environment variable through which pid 1 tells its
// descendants where its control fifo is.
const ControlEnv = "S6BOX_INIT_CONTROL"

// DefaultControl is the control fifo when nothing else is said.
const DefaultControl = "/run/init-control"

// ControlPath picks the control fifo: explicit, else $S6BOX_INIT_CONTROL,
// else the default.
func ControlPath(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if p := os.Getenv(ControlEnv); p != "" {
		return p
	}
	return DefaultControl
}

// Send writes one message to the control fifo. The fifo is opened
// non-blocking, so when pid 1 is not listening this fails at once (ENXIO)
// instead of hanging; the fifo is mode 0600 so only root may talk to pid 1.
func Send(fifo string, m Message) error {
	f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("unable to talk to init via %s: %w", fifo, err)
	}
	defer f.Close()
	if _, err := f.Write(m.Encode()); err != nil {
		return fmt.Errorf("unable to write to %s: %w", fifo, err)
	}
	return nil
}
