//go:build linux

package sys

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An Exec is the tail of the sandbox init, prepared in advance: resource
// limits, no_new_privs, a seccomp filter, then execve(2). Run does them with
// raw system calls and allocates nothing, because once a small RLIMIT_AS or
// RLIMIT_DATA is in force the init's Go runtime may fail to grow ("fatal
// error: runtime: cannot allocate memory"), and once the filter is loaded
// the program's policy may deny what an allocation needs.
type Exec struct {
	path   *byte
	argv   []*byte
	envv   []*byte
	limits []limit
	filter []unix.SockFilter
	fprog  unix.SockFprog
}

type limit struct {
	resource int
	rlim     unix.Rlimit
}

// NewExec prepares execve(path, argv, envv).
func NewExec(path string, argv, envv []string) (*Exec, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return nil, err
	}
	a, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return nil, err
	}
	e, err := syscall.SlicePtrFromStrings(envv)
	if err != nil {
		return nil, err
	}
	return &Exec{path: p, argv: a, envv: e}, nil
}

// AddRlimit adds a resource limit for Run to set.
func (e *Exec) AddRlimit(resource int, cur, max uint64) {
	e.limits = append(e.limits, limit{resource, unix.Rlimit{Cur: cur, Max: max}})
}

// SetFilter sets the seccomp filter for Run to load; none if empty.
func (e *Exec) SetFilter(filter []unix.SockFilter) {
	e.filter = filter
	if len(filter) > 0 {
		e.fprog = unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	}
}

// Run sets the limits (prlimit64), no_new_privs and the filter on the
// calling thread, then calls execve. It returns only on failure, with the
// step that failed and its errno; the caller may then find that it cannot
// allocate.
//
//   - The caller must have locked the goroutine to its thread, and should
//     have stopped the garbage collector: Run does not allocate, but a
//     collection already under way on another thread might.
//   - The filter is loaded without SECCOMP_FILTER_FLAG_TSYNC: it applies to
//     this thread, which execve makes the only one.
//   - Unlike syscall.Exec, Run does not restore the RLIMIT_NOFILE soft limit
//     Go found at start-up; add it with AddRlimit.
//
//go:norace
func (e *Exec) Run() (step string, errno unix.Errno) {
	for i := range e.limits {
		// SAFETY: e.limits[i].rlim is live Go memory for the whole call (e
		// is kept alive below); prlimit64 reads the new limit from it and
		// keeps no pointer.
		_, _, errno = unix.RawSyscall6(unix.SYS_PRLIMIT64, 0, uintptr(e.limits[i].resource),
			uintptr(unsafe.Pointer(&e.limits[i].rlim)), 0, 0, 0)
		if errno != 0 {
			return "setrlimit", errno
		}
	}
	if _, _, errno = unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); errno != 0 {
		return "prctl PR_SET_NO_NEW_PRIVS", errno
	}
	if len(e.filter) > 0 {
		// SAFETY: as in SeccompSetModeFilter: e.fprog and the filter it
		// points to stay live (KeepAlive below); the kernel copies both
		// before seccomp(2) returns.
		_, _, errno = unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0,
			uintptr(unsafe.Pointer(&e.fprog)))
		if errno != 0 {
			return "seccomp", errno
		}
	}
	// SAFETY: path, argv and envv are NUL-terminated byte strings and
	// NULL-terminated pointer arrays built by NewExec (syscall's own
	// helpers), live until execve returns; on success execve replaces this
	// process image and nothing refers to them again.
	_, _, errno = unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(e.path)),
		uintptr(unsafe.Pointer(&e.argv[0])), uintptr(unsafe.Pointer(&e.envv[0])))
	runtime.KeepAlive(e)
	return "exec", errno
}
