// Package usock is kept for s6-rc's runner and fd holder: the socket code
// moved to core/ipc, shared with the local-service applets (s6-ipcserver,
// s6-sudo, s6-fdholder); these names are that package's.
package usock

import "s6box/core/ipc"

// ErrClosed is returned by Accept once the listener is closed.
var ErrClosed = ipc.ErrClosed

// Conn is a connected stream socket.
type Conn = ipc.Conn

// Listener is a listening socket.
type Listener = ipc.Listener

// Listen binds a socket at path, mode 0600, and listens on it.
func Listen(path string) (*Listener, error) { return ipc.Listen(path) }

// Dial connects to the socket at path.
func Dial(path string) (*Conn, error) { return ipc.Dial(path) }
