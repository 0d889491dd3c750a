// Package caps names Linux capabilities, holds sets of them, and makes the
// calling thread's five capability sets exactly a given set before execve(2).
//
// # Names and sets
//
// A [Cap] is the kernel's capability number; its String method returns the
// kernel name ("CAP_NET_BIND_SERVICE") and [Parse] accepts that name with or
// without the "CAP_" prefix, in any case. A [Set] is a bitmask of Caps with
// value semantics: methods such as [Set.With] return a new Set. The zero Set,
// [None], keeps nothing and is the secure default; [DefaultContainer] is the
// set Docker and containerd grant by default; [All] is every capability the
// running kernel knows.
//
// # Applying to a thread
//
// Capabilities, the bounding set, the ambient set and PR_SET_KEEPCAPS all
// belong to one thread, and execve(2) keeps only the thread that calls it.
// [ApplyToThread] therefore acts on the calling thread only, and must run on a
// goroutine locked with [runtime.LockOSThread], on the thread that will call
// execve, after the uid change:
//
//	runtime.LockOSThread()       // never unlocked: the thread execs or dies
//	caps.SetKeepCaps(true)       // only needed when switching to a non-zero uid
//	setgroups, setresgid, setresuid (raw per-thread syscalls)
//	caps.ApplyToThread(keep)     // bounding, capset, ambient, KEEPCAPS=0
//	no_new_privs, seccomp        // after: neither needs a capability
//	execve
//
// [ReadThread] and [ParseStatus] report the five sets as the kernel shows them
// in /proc, so that tests can check what a sandboxed program observed.
//
// # Kernel requirements
//
// Requires Linux 4.3 (ambient capabilities) to keep a non-empty set across
// execve as a non-root uid; /proc/thread-self requires Linux 3.17.
// CAP_PERFMON and CAP_BPF require Linux 5.8, CAP_CHECKPOINT_RESTORE Linux 5.9.
//
// # Fallbacks
//
// [Last] reads /proc/sys/kernel/cap_last_cap and, where /proc is not mounted,
// falls back to probing the bounding set with PR_CAPBSET_READ. There is no
// silent downgrade: [ApplyToThread] fails with an error wrapping
// [ErrUnsupported] when asked to keep a capability the running kernel does
// not know; callers who want best effort intersect with [All] first. On
// systems other than Linux every kernel function returns an error wrapping
// [ErrUnsupported].
package caps
