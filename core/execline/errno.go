package execline

import (
	"errors"
	"syscall"
)

// Strerror is the C library's text for the system error inside err (execline
// prints strerror(errno)), or err's own text when it carries no errno.
func Strerror(err error) string {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return err.Error()
	}
	switch e {
	case syscall.EPERM:
		return "Operation not permitted"
	case syscall.ENOENT:
		return "No such file or directory"
	case syscall.ESRCH:
		return "No such process"
	case syscall.EINTR:
		return "Interrupted system call"
	case syscall.EIO:
		return "Input/output error"
	case syscall.ENXIO:
		return "No such device or address"
	case syscall.E2BIG:
		return "Argument list too long"
	case syscall.ENOEXEC:
		return "Exec format error"
	case syscall.EBADF:
		return "Bad file descriptor"
	case syscall.EPROTO:
		return "Protocol error"
	case syscall.ECHILD:
		return "No child processes"
	case syscall.EAGAIN:
		return "Resource temporarily unavailable"
	case syscall.ENOMEM:
		return "Cannot allocate memory"
	case syscall.EACCES:
		return "Permission denied"
	case syscall.EFAULT:
		return "Bad address"
	case syscall.EBUSY:
		return "Device or resource busy"
	case syscall.EEXIST:
		return "File exists"
	case syscall.EXDEV:
		return "Invalid cross-device link"
	case syscall.ENODEV:
		return "No such device"
	case syscall.ENOTDIR:
		return "Not a directory"
	case syscall.EISDIR:
		return "Is a directory"
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ENFILE:
		return "Too many open files in system"
	case syscall.EMFILE:
		return "Too many open files"
	case syscall.ENOTTY:
		return "Inappropriate ioctl for device"
	case syscall.ETXTBSY:
		return "Text file busy"
	case syscall.EFBIG:
		return "File too large"
	case syscall.ENOSPC:
		return "No space left on device"
	case syscall.ESPIPE:
		return "Illegal seek"
	case syscall.EROFS:
		return "Read-only file system"
	case syscall.EMLINK:
		return "Too many links"
	case syscall.EPIPE:
		return "Broken pipe"
	case syscall.ERANGE:
		return "Numerical result out of range"
	case syscall.ENAMETOOLONG:
		return "File name too long"
	case syscall.ELOOP:
		return "Too many levels of symbolic links"
	case syscall.ENOTEMPTY:
		return "Directory not empty"
	case syscall.ETIMEDOUT:
		return "Connection timed out"
	}
	return e.Error()
}
