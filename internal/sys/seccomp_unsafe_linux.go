//go:build linux

package sys

import (
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SeccompSetModeFilter wraps seccomp(2) with SECCOMP_SET_MODE_FILTER: it
// installs filter, a classic BPF program, on the calling thread. flags are
// SECCOMP_FILTER_FLAG_* values; without SECCOMP_FILTER_FLAG_TSYNC the
// filter applies to the calling thread only, and to the threads and
// processes it creates afterwards.
//
//   - The caller must have locked its goroutine to the thread
//     (runtime.LockOSThread), or the filter lands on an arbitrary thread.
//   - The thread must have no_new_privs set (PR_SET_NO_NEW_PRIVS) or
//     CAP_SYS_ADMIN in its user namespace; otherwise seccomp(2) fails with
//     EACCES.
//   - A filter cannot be removed; later filters are added to it.
//
// Requires Linux 3.17 (seccomp(2)). It returns an *os.SyscallError.
func SeccompSetModeFilter(filter []unix.SockFilter, flags uint) error {
	if len(filter) == 0 || len(filter) > 0xffff {
		// struct sock_fprog's len is an unsigned short.
		return os.NewSyscallError("seccomp", unix.EINVAL)
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	// SAFETY: prog and the filter array it points to are live Go memory
	// for the whole call (KeepAlive below). The kernel copies struct
	// sock_fprog and then the len instructions it points to
	// (seccomp_prepare_user_filter) before seccomp(2) returns, and keeps no
	// pointer to either.
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(&prog)
	runtime.KeepAlive(filter)
	if errno != 0 {
		return os.NewSyscallError("seccomp", errno)
	}
	return nil
}
