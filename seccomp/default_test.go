package seccomp

import (
	"slices"
	"testing"
)

// Linux constants the default-policy tests use (amd64/generic values).
const (
	cloneNewNS      = 0x00020000
	cloneNewCgroup  = 0x02000000
	cloneNewUTS     = 0x04000000
	cloneNewIPC     = 0x08000000
	cloneNewUser    = 0x10000000
	cloneNewPID     = 0x20000000
	cloneNewNet     = 0x40000000
	cloneNewTime    = 0x00000080
	sigchld         = 17
	cloneThread     = 0x3d0f00 // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID, as glibc and Go pass
	cloneVforkVM    = 0x4100   // CLONE_VFORK|CLONE_VM
	clonePidfd      = 0x1000
	afUnix, afInet  = 1, 2
	afInet6         = 10
	afNetlink       = 16
	afPacket        = 17
	afALG, afVsock  = 38, 40
	afNFC, afMCTP   = 39, 45
	afDECnet        = 12
	tcgets, fionred = 0x5401, 0x541b
)

// TestDefaultDenies feeds Default the dangerous calls, with arguments that
// would be harmless, and expects EPERM (or ENOSYS where documented).
func TestDefaultDenies(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			p := Default()
			p.Arch = arch
			v := mustAssemble(t, p)
			tg := mustTarget(t, arch)
			for _, tt := range []struct {
				name string
				args []uint64
				want uint32
			}{
				{"unshare", []uint64{cloneNewUser}, retEPERM},
				{"unshare", []uint64{0}, retEPERM},
				{"setns", []uint64{^uint64(0), 0}, retEPERM},
				{"clone", []uint64{cloneNewUser | sigchld}, retEPERM},
				{"clone", []uint64{cloneNewNet | sigchld}, retEPERM},
				{"clone", []uint64{cloneNewNS | cloneThread}, retEPERM},
				{"clone", []uint64{cloneNewPID}, retEPERM},
				{"clone", []uint64{cloneNewUTS}, retEPERM},
				{"clone", []uint64{cloneNewIPC}, retEPERM},
				{"clone", []uint64{cloneNewCgroup}, retEPERM},
				{"clone", []uint64{1<<32 | cloneNewUser}, retEPERM},
				{"clone3", nil, retENOSYS},
				{"mount", nil, retEPERM},
				{"umount2", nil, retEPERM},
				{"pivot_root", nil, retEPERM},
				{"chroot", nil, retEPERM},
				{"keyctl", nil, retEPERM},
				{"add_key", nil, retEPERM},
				{"request_key", nil, retEPERM},
				{"kexec_load", nil, retEPERM},
				{"kexec_file_load", nil, retEPERM},
				{"init_module", nil, retEPERM},
				{"finit_module", nil, retEPERM},
				{"delete_module", nil, retEPERM},
				{"bpf", nil, retEPERM},
				{"perf_event_open", nil, retEPERM},
				{"userfaultfd", nil, retEPERM},
				{"open_by_handle_at", nil, retEPERM},
				{"io_uring_setup", nil, retEPERM},
				{"io_uring_enter", nil, retEPERM},
				{"io_uring_register", nil, retEPERM},
				{"reboot", nil, retEPERM},
				{"swapon", nil, retEPERM},
				{"swapoff", nil, retEPERM},
				{"clock_settime", nil, retEPERM},
				{"settimeofday", nil, retEPERM},
				{"adjtimex", nil, retEPERM},
				{"clock_adjtime", nil, retEPERM},
				{"ptrace", nil, retEPERM},
				{"process_vm_readv", nil, retEPERM},
				{"process_vm_writev", nil, retEPERM},
				{"kcmp", nil, retEPERM},
				{"pidfd_getfd", nil, retEPERM},
				{"fsopen", nil, retEPERM},
				{"fsmount", nil, retEPERM},
				{"move_mount", nil, retEPERM},
				{"open_tree", nil, retEPERM},
				{"open_tree_attr", nil, retEPERM},
				{"mount_setattr", nil, retEPERM},
				{"syslog", nil, retEPERM},
				{"acct", nil, retEPERM},
				{"quotactl", nil, retEPERM},
				{"sethostname", nil, retEPERM},
				{"setdomainname", nil, retEPERM},
				{"vhangup", nil, retEPERM},
				{"lookup_dcookie", nil, retEPERM},
				{"mbind", nil, retEPERM},
				{"set_mempolicy", nil, retEPERM},
				{"listns", nil, retEPERM},
				{"personality", []uint64{0x0040000}, retEPERM}, // ADDR_NO_RANDOMIZE
				{"personality", []uint64{1<<32 | 0}, retEPERM},
				{"socket", []uint64{afALG}, retEPERM},
				{"socket", []uint64{afVsock}, retEPERM},
				{"socket", []uint64{afDECnet}, retEPERM},
				{"socket", []uint64{46}, retEPERM},
				{"socket", []uint64{1<<32 | afALG}, retEPERM}, // the int's upper half is ignored by the kernel
				{"socket", []uint64{1<<32 | afInet}, retEPERM},
				{"ioctl", []uint64{0, tiocsti}, retEPERM},
				{"ioctl", []uint64{0, 1<<32 | tiocsti}, retEPERM},
				{"ioctl", []uint64{0, tioclinux}, retEPERM},
			} {
				if _, ok, _ := tg.lookup(tt.name); !ok {
					continue // e.g. no such call on arm64
				}
				if got := v.run(t, tg.call(t, tt.name, tt.args...)); got != tt.want {
					t.Errorf("%s%#x: got %#x, want %#x", tt.name, tt.args, got, tt.want)
				}
			}
			if arch == "amd64" {
				for _, name := range []string{"iopl", "ioperm", "modify_ldt", "uselib", "_sysctl", "create_module", "nfsservctl", "ustat", "sysfs"} {
					if got := v.run(t, tg.call(t, name)); got != retEPERM {
						t.Errorf("%s: got %#x, want EPERM", name, got)
					}
				}
			}
		})
	}
}

// TestDefaultAllows feeds Default what ordinary programs do.
func TestDefaultAllows(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			p := Default()
			p.Arch = arch
			v := mustAssemble(t, p)
			tg := mustTarget(t, arch)
			calls := []struct {
				name string
				args []uint64
			}{
				{"clone", []uint64{cloneThread}},                // pthread_create, Go's newosproc
				{"clone", []uint64{sigchld}},                    // fork
				{"clone", []uint64{cloneVforkVM | sigchld}},     // vfork, posix_spawn
				{"clone", []uint64{clonePidfd | sigchld}},       // os/exec with a pidfd
				{"clone", []uint64{cloneNewTime | cloneThread}}, // CSIGNAL bits, not a namespace for clone
				{"socket", []uint64{afUnix}},
				{"socket", []uint64{afInet}},
				{"socket", []uint64{afInet6}},
				{"socket", []uint64{afNetlink}},
				{"socket", []uint64{afPacket}},
				{"socket", []uint64{afNFC}},
				{"socket", []uint64{afMCTP}},
				{"socket", []uint64{afDECnet + 1}},
				{"personality", []uint64{0}},
				{"personality", []uint64{0xffffffff}},
				{"personality", []uint64{0x20008}},
				{"ioctl", []uint64{0, tcgets}},
				{"ioctl", []uint64{0, fionred}},
			}
			for _, name := range []string{
				"read", "write", "openat", "close", "mmap", "munmap", "mprotect", "brk", "futex",
				"execve", "execveat", "exit", "exit_group", "wait4", "waitid", "getpid", "gettid",
				"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill",
				"sched_getaffinity", "sched_yield", "nanosleep", "clock_nanosleep", "clock_gettime",
				"epoll_create1", "epoll_ctl", "epoll_pwait", "pipe2", "dup3", "fcntl", "newfstatat",
				"statx", "getdents64", "readlinkat", "faccessat2", "unlinkat", "mkdirat", "renameat2",
				"prctl", "seccomp", "getrandom", "rseq", "set_robust_list", "set_tid_address",
				"prlimit64", "pidfd_open", "pidfd_send_signal", "madvise", "membarrier",
				"connect", "bind", "sendto", "recvfrom", "setsockopt", "getsockopt", "socketpair",
				"capget", "capset", "setuid", "setgroups", "uname", "umask", "getcwd", "chdir",
				"close_range", "copy_file_range", "memfd_create", "landlock_create_ruleset",
				"file_getattr", "file_setattr", "cachestat", "map_shadow_stack", "mseal",
				"arch_prctl", "open", "stat", "fork", "vfork", "uretprobe", "uprobe", "epoll_wait",
			} {
				calls = append(calls, struct {
					name string
					args []uint64
				}{name, nil})
			}
			for _, c := range calls {
				if _, ok, _ := tg.lookup(c.name); !ok {
					continue
				}
				if got := v.run(t, tg.call(t, c.name, c.args...)); got != retAllow {
					t.Errorf("%s%#x: got %#x, want allow", c.name, c.args, got)
				}
			}
		})
	}
}

func TestDefaultFor(t *testing.T) {
	tg := mustTarget(t, "amd64")
	for _, tt := range []struct {
		caps    []string
		allowed []string // without arguments
		denied  []string
	}{
		{nil, nil, []string{"mount", "ptrace", "reboot", "bpf", "clock_settime", "adjtimex"}},
		{[]string{"CAP_SYS_ADMIN"}, []string{"mount", "umount2", "unshare", "setns", "clone3", "bpf", "perf_event_open", "syslog", "open_tree_attr"}, []string{"ptrace", "reboot", "chroot"}},
		{[]string{"sys_ptrace"}, []string{"ptrace", "process_vm_readv", "kcmp", "pidfd_getfd"}, []string{"mount"}},
		{[]string{"CAP_SYS_TIME"}, []string{"clock_settime", "settimeofday", "adjtimex", "clock_adjtime"}, nil},
		{[]string{"CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_BPF", "CAP_PERFMON", "CAP_SYSLOG"}, []string{"reboot", "chroot", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "syslog"}, []string{"mount", "unshare"}},
		{[]string{"CAP_DAC_READ_SEARCH", "CAP_SYS_RAWIO", "CAP_SYS_NICE", "CAP_SYS_PACCT", "CAP_SYS_TTY_CONFIG"}, []string{"open_by_handle_at", "iopl", "ioperm", "mbind", "acct", "vhangup"}, nil},
		{[]string{"CAP_NO_SUCH_THING"}, nil, []string{"mount"}},
	} {
		p := DefaultFor(tt.caps)
		p.Arch = "amd64"
		v := mustAssemble(t, p)
		for _, n := range tt.allowed {
			if got := v.run(t, tg.call(t, n)); got != retAllow {
				t.Errorf("DefaultFor(%q): %s: got %#x, want allow", tt.caps, n, got)
			}
		}
		for _, n := range tt.denied {
			if got := v.run(t, tg.call(t, n)); got != retEPERM {
				t.Errorf("DefaultFor(%q): %s: got %#x, want EPERM", tt.caps, n, got)
			}
		}
		sysAdmin := slices.Contains(tt.caps, "CAP_SYS_ADMIN")
		want := uint32(retEPERM)
		if sysAdmin {
			want = retAllow
		}
		if got := v.run(t, tg.call(t, "clone", cloneNewUser|sigchld)); got != want {
			t.Errorf("DefaultFor(%q): clone(CLONE_NEWUSER): got %#x, want %#x", tt.caps, got, want)
		}
	}
}

func TestDefaultIsFresh(t *testing.T) {
	a := Default()
	a.Rules[2].Names[0] = "changed"
	if Default().Rules[2].Names[0] == "changed" {
		t.Error("Default shares its tables with its callers")
	}
}

func TestDefaultOtherArches(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64", "386", "arm"} {
		p := Default()
		p.Arch = arch
		prog, err := p.Assemble()
		if err != nil {
			t.Errorf("%s: %v", arch, err)
			continue
		}
		t.Logf("%s: %d instructions", arch, len(prog))
	}
}

func TestSocketRules(t *testing.T) {
	for _, tt := range []struct {
		in   []uint64
		want []Rule
	}{
		{[]uint64{1, 2, 3}, []Rule{Allow("socket").When(Le(0, 3))}},
		{[]uint64{5}, []Rule{Allow("socket").When(Eq(0, 5))}},
		{[]uint64{1, 2, 4, 5, 6, 9}, []Rule{
			Allow("socket").When(Le(0, 2)),
			Allow("socket").When(Ge(0, 4), Le(0, 6)),
			Allow("socket").When(Eq(0, 9)),
		}},
	} {
		got := socketRules(tt.in)
		if len(got) != len(tt.want) {
			t.Fatalf("socketRules(%v) = %v", tt.in, got)
		}
		for i := range got {
			if !slices.Equal(got[i].Args, tt.want[i].Args) {
				t.Errorf("socketRules(%v)[%d] = %v, want %v", tt.in, i, got[i].Args, tt.want[i].Args)
			}
		}
	}
	// Every family moby allows and no other, AF_UNSPEC aside.
	v := mustAssemble(t, &Policy{Arch: "amd64", Rules: socketRules(allowedSocketFamilies)})
	tg := mustTarget(t, "amd64")
	for fam := uint64(1); fam < 64; fam++ {
		want := uint32(retEPERM)
		if slices.Contains(allowedSocketFamilies, fam) {
			want = retAllow
		}
		if got := v.run(t, tg.call(t, "socket", fam)); got != want {
			t.Errorf("socket(%d): got %#x, want %#x", fam, got, want)
		}
	}
}
