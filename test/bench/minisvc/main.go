// Command minisvc is the least a Go client of a supervisor can be: it does
// only the system calls of `svc -wd -d DIR` / `svc -wu -u DIR` (create and
// open a listener fifo in DIR/event, write the command to
// DIR/supervise/control, poll until the event byte arrives, remove the
// fifo) and imports nothing but syscall, so none of the os, time, fmt or
// other package initialisers run. The benchmarks time it as a floor: what
// any Go implementation of svc -w must cost at least on the machine, next
// to our real svc and s6-svc. Not a product: no options, no messages.
//
// Usage: MINISVC_CMD=d|u MINISVC_DIR=DIR minisvc
// (environment, because reading argv needs the os package).
package main

import (
	"syscall"
	"unsafe"
)

func main() {
	cmd, _ := syscall.Getenv("MINISVC_CMD")
	dir, _ := syscall.Getenv("MINISVC_DIR")
	if len(cmd) != 1 || dir == "" {
		syscall.Exit(100)
	}
	// an s6 listener name: ftrig1:@<24 hex>:<6 chars>
	name := []byte(dir + "/event/ftrig1:@400000000000000000000000:000000")
	pid := syscall.Getpid()
	for i := len(name) - 1; i >= len(name)-6; i-- {
		name[i] = byte('a' + pid%26)
		pid /= 26
	}
	fifo := string(name)
	if syscall.Mkfifo(fifo, 0o600) != nil {
		syscall.Exit(111)
	}
	defer syscall.Unlink(fifo)
	r, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Exit(111)
	}
	// held open so that reads never see end-of-file
	if _, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0); err != nil {
		syscall.Exit(111)
	}
	c, err := syscall.Open(dir+"/supervise/control", syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		syscall.Exit(102)
	}
	if _, err := syscall.Write(c, []byte(cmd)); err != nil {
		syscall.Exit(111)
	}
	syscall.Close(c)
	type pollFd struct {
		fd             int32
		events, revent int16
	}
	p := pollFd{fd: int32(r), events: 1} // POLLIN
	var buf [64]byte
	for {
		// 10 s at most, like svc -T 10000
		if n, _, _ := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&p)), 1, 10000); n == 0 {
			syscall.Unlink(fifo)
			syscall.Exit(1)
		}
		n, _ := syscall.Read(r, buf[:])
		for i := 0; i < n; i++ {
			if buf[i] == cmd[0] {
				return
			}
		}
	}
}
