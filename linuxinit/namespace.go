package linuxinit

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// initialPIDNamespace is the inode of the kernel's first PID namespace
// (PROC_PID_INIT_INO), which /proc/self/ns/pid names on the machine's init.
const initialPIDNamespace = "pid:[4026531836]"

// privateNSMarker is set in the environment of the re-executed init so it
// does not unshare again.
const privateNSMarker = "S6BOX_INIT_PRIVATE_MOUNTS"

// inChildPIDNamespace tells whether this process runs in a PID namespace
// other than the kernel's first. Without /proc (a real early boot) it is
// taken to be the first: the kernel starts init there.
func inChildPIDNamespace() bool {
	l, err := os.Readlink("/proc/self/ns/pid")
	return err == nil && l != initialPIDNamespace
}

// privateMountNamespace moves pid 1 into a mount namespace of its own, with
// every mount private, so its mounts at boot and unmounts at shutdown never
// reach the host it shares filesystems with. unshare(CLONE_NEWNS) affects
// only the calling thread of a Go program, so that thread re-executes this
// program (same pid, now single-threaded in the new namespace). The marker
// in the environment stops the second run from doing it again; it is
// removed there.
func privateMountNamespace(self string) error {
	if os.Getenv(privateNSMarker) != "" {
		os.Unsetenv(privateNSMarker)
		return nil
	}
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("unable to unshare the mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("unable to make the mounts private: %w", err)
	}
	exe := self
	if exe == "" {
		exe = "/proc/self/exe"
	}
	env := append(os.Environ(), privateNSMarker+"=1")
	err := syscall.Exec(exe, os.Args, env)
	return fmt.Errorf("unable to re-execute %s in a private mount namespace: %w", exe, err)
}
