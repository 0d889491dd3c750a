// Package sys holds lockbox's raw system calls: every use of package unsafe
// and of unix.RawSyscall lives in the *_unsafe_linux.go files here, each with
// a SAFETY note, so that the rest of the module is plain, checkable Go
// (gVisor's checkunsafe rule). Wrappers are named after the system call, in
// the x/sys/unix style, retry on EINTR where the call can be interrupted, and
// return *os.SyscallError.
//
// This package is internal: its API changes with the needs of nsenter and
// the sandbox package.
package sys
