//go:build linux

package seccomp

import (
	"fmt"
	"os"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/sys"
)

// Load sets no_new_privs on the calling thread (PR_SET_NO_NEW_PRIVS) and
// installs prog, as returned by [Policy.Assemble] or decoded into a
// [Program], as a seccomp filter on it. It is the sandbox init's last step
// before execve(2): the filter is inherited by the program execve starts.
//
//   - The caller must have called runtime.LockOSThread and must call
//     execve on the same thread; Load does not use SECCOMP_FILTER_FLAG_TSYNC,
//     so the filter applies to this thread and to the threads and
//     processes it creates afterwards, not to the process's other threads.
//   - Between Load and execve the Go runtime may still make system calls on
//     this thread (futex, mmap, rt_sigprocmask, ...): call execve at once,
//     and make sure the policy allows execve.
//   - no_new_privs and the filter are permanent for the thread.
//
// Requires Linux 3.17 (seccomp(2)); programs from Assemble use
// SECCOMP_RET_KILL_PROCESS, which kills only the thread before Linux 4.14.
func Load(prog []bpf.RawInstruction) error {
	if err := checkLen(len(prog)); err != nil {
		return err
	}
	filter := Program(prog).SockFilters()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("seccomp: setting no_new_privs: %w", os.NewSyscallError("prctl", err))
	}
	if err := sys.SeccompSetModeFilter(filter, 0); err != nil {
		return fmt.Errorf("seccomp: loading filter: %w", err)
	}
	return nil
}

// runningKernel returns the release of the running kernel, as uname -r.
func runningKernel() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("seccomp: %w", os.NewSyscallError("uname", err))
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}

// SockFilters returns p as the kernel's struct sock_filter array, for a
// caller that loads it itself (the sandbox init prepares it before the
// steps that must not allocate).
func (p Program) SockFilters() []unix.SockFilter {
	filter := make([]unix.SockFilter, len(p))
	for i, in := range p {
		filter[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return filter
}
