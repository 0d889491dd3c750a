package seccomp

import "slices"

// Default returns lockbox's default policy for a program that keeps no
// capabilities: an allowlist equivalent to the moby (Docker) default
// profile, which fails every other system call with EPERM. It is
// DefaultFor(nil); see "# The default policy" in the package documentation
// for how it differs from moby's profile and why.
//
// Default returns a new Policy on every call; callers may change it.
func Default() *Policy { return DefaultFor(nil) }

// DefaultFor returns the default policy for a program that keeps the
// capabilities named in kept ("CAP_SYS_ADMIN"; case and the "CAP_" prefix
// are optional), as the moby profile's "includes": {"caps": ...} entries
// do: keeping CAP_SYS_ADMIN allows mount, unshare, setns and clone with
// namespace flags, keeping CAP_SYS_PTRACE allows ptrace, and so on. The
// kernel refuses each of these calls without the capability anyway, so
// allowing them widens what the filter lets through, not what the program
// can do. Names DefaultFor does not know are ignored, which can only make
// the policy stricter.
func DefaultFor(kept []string) *Policy {
	keep := map[string]bool{}
	for _, c := range kept {
		keep[canonicalCap(c)] = true
	}
	rules := []Rule{
		// TIOCSTI pushes bytes into a terminal's input queue and TIOCLINUX
		// can paste the console selection: with an inherited terminal, a
		// sandboxed program could type commands into the caller's shell
		// (CVE-2017-5226, CVE-2023-28100). ioctl's request is a 32-bit int,
		// so only the low half is compared.
		Deny(linuxEPERM, "ioctl").When(MaskedEq(1, 0xffffffff, tiocsti)),
		Deny(linuxEPERM, "ioctl").When(MaskedEq(1, 0xffffffff, tioclinux)),
		Allow(slices.Concat(defaultSyscalls...)...),
	}
	rules = append(rules, socketRules(allowedSocketFamilies)...)
	if !keep["CAP_SYS_ADMIN"] {
		rules = append(rules,
			// clone without the flags that create namespaces: threads,
			// fork and vfork work, new namespaces do not. CLONE_NEWTIME
			// fits only clone3 and unshare, both denied.
			Allow("clone").When(MaskedEq(0, cloneNamespaceFlags, 0)),
			// clone3 passes its flags in memory, which a filter cannot
			// read: fail it with ENOSYS, and libc falls back to clone.
			Deny(linuxENOSYS, "clone3"),
		)
	}
	// personality: only Linux personalities (PER_LINUX, PER_LINUX32, each
	// with UNAME26) and the query 0xffffffff; not ADDR_NO_RANDOMIZE and the
	// like, which weaken the program's own hardening.
	for _, v := range []uint64{0x0, 0x8, 0x20000, 0x20008, 0xffffffff} {
		rules = append(rules, Allow("personality").When(Eq(0, v)))
	}
	var extra []string
	for _, cs := range capabilitySyscalls {
		if keep[cs.cap] {
			for _, n := range cs.names {
				if !slices.Contains(extra, n) {
					extra = append(extra, n)
				}
			}
		}
	}
	if len(extra) > 0 {
		rules = append(rules, Allow(extra...))
	}
	return &Policy{DefaultAction: ActionErrno, Rules: rules}
}

// Terminal ioctls (include/uapi/asm-generic/ioctls.h, used by x86, arm and
// arm64).
const (
	tiocsti   = 0x5412
	tioclinux = 0x541c
)

// cloneNamespaceFlags are CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
// CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP
// (include/uapi/linux/sched.h), the mask moby's profile uses.
const cloneNamespaceFlags = 0x20000 | 0x4000000 | 0x8000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x2000000

// allowedSocketFamilies are the address families socket(2) may create
// (include/linux/socket.h), as in moby's profile since 2026: every family
// the kernel implements except AF_ALG (38: the kernel crypto API,
// CVE-2026-31431 "Copy Fail") and AF_VSOCK (40: host/VM sockets, global
// across network namespaces). AF_DECnet (12), AF_ECONET (19), AF_ATMSVC
// (20), AF_IRDA (23), AF_WANPIPE (25), AF_ISDN (34) and AF_CAIF (37) are
// gone from current kernels, so moby no longer lists them either.
var allowedSocketFamilies = []uint64{
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, // AF_UNIX, AF_INET ... AF_INET6, AF_ROSE
	13, 14, 15, 16, 17, 18, // AF_NETBEUI, AF_SECURITY, AF_KEY, AF_NETLINK, AF_PACKET, AF_ASH
	21, 22, // AF_RDS, AF_SNA
	24,                             // AF_PPPOX
	26, 27, 28, 29, 30, 31, 32, 33, // AF_LLC, AF_IB, AF_MPLS, AF_CAN, AF_TIPC, AF_BLUETOOTH, AF_IUCV, AF_RXRPC
	35, 36, // AF_PHONET, AF_IEEE802154
	39,                 // AF_NFC
	41, 42, 43, 44, 45, // AF_KCM, AF_QIPCRTR, AF_SMC, AF_XDP, AF_MCTP
}

// socketRules allows socket(2) for the sorted families, one rule per run of
// consecutive families. Every rule has an upper bound: socket's domain is
// an int, and an open-ended "> n" would also match AF_ALG with garbage in
// the register's upper half, which the kernel ignores.
func socketRules(families []uint64) []Rule {
	var rules []Rule
	for i := 0; i < len(families); {
		j := i
		for j+1 < len(families) && families[j+1] == families[j]+1 {
			j++
		}
		lo, hi := families[i], families[j]
		switch {
		case lo == hi:
			rules = append(rules, Allow("socket").When(Eq(0, lo)))
		case lo <= 1: // AF_UNSPEC (0) cannot be created: no lower bound needed
			rules = append(rules, Allow("socket").When(Le(0, hi)))
		default:
			rules = append(rules, Allow("socket").When(Ge(0, lo), Le(0, hi)))
		}
		i = j + 1
	}
	return rules
}

// capabilitySyscalls are the system calls a kept capability adds, as in
// moby's profile, plus open_tree_attr (Linux 6.15, newer than moby's list)
// with CAP_SYS_ADMIN and adjtimex/clock_adjtime with CAP_SYS_TIME (which
// moby allows to everyone).
var capabilitySyscalls = []struct {
	cap   string
	names []string
}{
	{"CAP_DAC_READ_SEARCH", []string{"open_by_handle_at"}},
	{"CAP_SYS_ADMIN", []string{
		"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
		"fspick", "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules",
		"lsm_set_self_attr", "mount", "mount_setattr", "move_mount", "open_tree",
		"open_tree_attr", "perf_event_open", "quotactl", "quotactl_fd",
		"setdomainname", "sethostname", "setns", "syslog", "umount", "umount2",
		"unshare",
	}},
	{"CAP_SYS_BOOT", []string{"reboot"}},
	{"CAP_SYS_CHROOT", []string{"chroot"}},
	{"CAP_SYS_MODULE", []string{"delete_module", "init_module", "finit_module"}},
	{"CAP_SYS_PACCT", []string{"acct"}},
	{"CAP_SYS_PTRACE", []string{"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
	{"CAP_SYS_RAWIO", []string{"iopl", "ioperm"}},
	{"CAP_SYS_TIME", []string{"settimeofday", "stime", "clock_settime", "clock_settime64", "adjtimex", "clock_adjtime", "clock_adjtime64"}},
	{"CAP_SYS_TTY_CONFIG", []string{"vhangup"}},
	{"CAP_SYS_NICE", []string{"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
	{"CAP_SYSLOG", []string{"syslog"}},
	{"CAP_BPF", []string{"bpf"}},
	{"CAP_PERFMON", []string{"perf_event_open"}},
}

// defaultSyscalls are the system calls Default allows whatever their
// arguments: moby's unconditional list without ptrace, process_vm_readv,
// process_vm_writev, adjtimex, clock_adjtime and modify_ldt, plus
// arch_prctl (moby allows it on amd64 only, where it exists),
// file_getattr/file_setattr (Linux 6.17) and uprobe (Linux 6.17). Names
// that do not exist on an architecture (the 32-bit "*32" and "*_time64"
// calls on amd64) are skipped there. The groups only help reading; the
// busiest come first because the filter tests them in order (kernels
// since 5.11 also cache the verdict for calls allowed unconditionally).
var defaultSyscalls = [][]string{
	// Memory, futexes and the basic I/O every program does.
	{
		"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
		"preadv2", "pwritev", "pwritev2", "close", "close_range", "futex",
		"futex_time64", "futex_waitv", "futex_wake", "futex_wait",
		"futex_requeue", "brk", "mmap", "mmap2", "munmap", "mremap",
		"mprotect", "pkey_mprotect", "pkey_alloc", "pkey_free", "madvise",
		"mincore", "msync", "mlock", "mlock2", "mlockall", "munlock",
		"munlockall", "remap_file_pages", "membarrier", "memfd_create",
		"memfd_secret", "mseal", "map_shadow_stack", "cachestat",
	},
	// Files and descriptors.
	{
		"open", "openat", "openat2", "creat", "lseek", "_llseek", "dup", "dup2",
		"dup3", "fcntl", "fcntl64", "ioctl", "flock", "fsync", "fdatasync",
		"sync", "syncfs", "sync_file_range", "fadvise64", "fadvise64_64",
		"fallocate", "ftruncate", "ftruncate64", "truncate", "truncate64",
		"readahead", "sendfile", "sendfile64", "splice", "tee", "vmsplice",
		"copy_file_range", "pipe", "pipe2",
		"stat", "stat64", "fstat", "fstat64", "lstat", "lstat64", "newfstatat",
		"fstatat64", "statx", "statfs", "statfs64", "fstatfs", "fstatfs64",
		"access", "faccessat", "faccessat2", "readlink", "readlinkat",
		"getdents", "getdents64", "getcwd", "chdir", "fchdir", "umask",
		"mkdir", "mkdirat", "mknod", "mknodat", "rmdir", "rename", "renameat",
		"renameat2", "link", "linkat", "symlink", "symlinkat", "unlink",
		"unlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown",
		"chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
		"utime", "utimes", "utimensat", "utimensat_time64", "futimesat",
		"name_to_handle_at", "file_getattr", "file_setattr",
		"getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr",
		"lsetxattr", "fsetxattr", "setxattrat", "listxattr", "llistxattr",
		"flistxattr", "listxattrat", "removexattr", "lremovexattr",
		"fremovexattr", "removexattrat",
		"listmount", "statmount",
	},
	// Waiting for events.
	{
		"select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll",
		"ppoll_time64", "epoll_create", "epoll_create1", "epoll_ctl",
		"epoll_ctl_old", "epoll_wait", "epoll_wait_old", "epoll_pwait",
		"epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4",
		"timerfd_create", "timerfd_settime", "timerfd_settime64",
		"timerfd_gettime", "timerfd_gettime64", "inotify_init",
		"inotify_init1", "inotify_add_watch", "inotify_rm_watch",
		"fanotify_mark", "io_setup", "io_destroy", "io_submit", "io_cancel",
		"io_getevents", "io_pgetevents", "io_pgetevents_time64",
	},
	// Processes, threads and scheduling.
	{
		"execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4",
		"waitid", "waitpid", "getpid", "getppid", "gettid", "getpgid",
		"setpgid", "getpgrp", "getsid", "setsid", "set_tid_address",
		"set_robust_list", "get_robust_list", "rseq", "sched_yield",
		"sched_getaffinity", "sched_setaffinity", "sched_getattr",
		"sched_setattr", "sched_getparam", "sched_setparam",
		"sched_getscheduler", "sched_setscheduler", "sched_get_priority_max",
		"sched_get_priority_min", "sched_rr_get_interval",
		"sched_rr_get_interval_time64", "getpriority", "setpriority",
		"ioprio_get", "ioprio_set", "getcpu", "prctl", "arch_prctl",
		"set_thread_area", "get_thread_area", "getrlimit", "setrlimit",
		"prlimit64", "ugetrlimit", "getrusage", "times", "capget", "capset",
		"seccomp", "landlock_create_ruleset", "landlock_add_rule",
		"landlock_restrict_self", "pidfd_open", "pidfd_send_signal",
		"process_mrelease", "restart_syscall", "uname", "sysinfo",
		"getrandom", "uretprobe", "uprobe",
	},
	// Credentials: the kernel still checks CAP_SETUID and CAP_SETGID.
	{
		"getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32",
		"getegid", "getegid32", "getresuid", "getresuid32", "getresgid",
		"getresgid32", "getgroups", "getgroups32", "setuid", "setuid32",
		"setgid", "setgid32", "setreuid", "setreuid32", "setregid",
		"setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32",
		"setgroups", "setgroups32", "setfsuid", "setfsuid32", "setfsgid",
		"setfsgid32",
	},
	// Signals and time.
	{
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend",
		"rt_sigpending", "rt_sigtimedwait", "rt_sigtimedwait_time64",
		"rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "sigreturn",
		"sigprocmask", "kill", "tkill", "tgkill", "pause", "alarm",
		"clock_gettime", "clock_gettime64", "clock_getres",
		"clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64",
		"nanosleep", "gettimeofday", "time", "getitimer", "setitimer",
		"timer_create", "timer_delete", "timer_gettime", "timer_gettime64",
		"timer_settime", "timer_settime64", "timer_getoverrun",
	},
	// Sockets (socket itself is allowed by family, below) and IPC.
	{
		"socketpair", "bind", "connect", "listen", "accept", "accept4",
		"getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown",
		"sendto", "sendmsg", "sendmmsg", "send", "recvfrom", "recvmsg",
		"recvmmsg", "recvmmsg_time64", "recv",
		// socketcall (i386 only) hides its arguments in memory, so the
		// family rule cannot apply to it; on amd64 and arm64 it does not
		// exist and i386 calls are refused by the architecture check.
		"socketcall",
		"ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
		"semtimedop", "semtimedop_time64", "semctl", "shmget", "shmat",
		"shmdt", "shmctl", "mq_open", "mq_unlink", "mq_timedsend",
		"mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64",
		"mq_notify", "mq_getsetattr",
	},
	// 32-bit arm only.
	{"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls"},
}
