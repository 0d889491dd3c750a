package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/elastic/go-seccomp-bpf/arch"
)

// A target is an architecture a program can be assembled for: its audit
// arch, whose seccomp_data.arch the program checks, and its system call table.
type target struct {
	goarch string
	info   *arch.Info // go-seccomp-bpf's table for the architecture
	audit  uint32     // AUDIT_ARCH_* value
	x32    bool       // amd64: refuse numbers with __X32_SYSCALL_BIT
	max    int        // highest system call number known for the architecture
}

// newSyscalls are the system calls added to Linux after the v6.15 tables of
// go-seccomp-bpf v1.6.0, with their numbers. Since Linux 5.1 a new call has
// the same number on every architecture (uapi asm-generic/unistd.h and
// arch/*/entry/syscalls/*.tbl); the numbers match golang.org/x/sys/unix
// zsysnum_linux_{amd64,arm64,386,arm}.go (v0.50.0), which a test checks.
var newSyscalls = map[string]int{
	"file_getattr":     468, // Linux 6.17
	"file_setattr":     469, // Linux 6.17
	"listns":           470, // Linux 6.18
	"rseq_slice_yield": 471, // Linux 7.0
}

// newSyscallsAMD64 are the x86_64-only calls missing from go-seccomp-bpf's
// table (arch/x86/entry/syscalls/syscall_64.tbl).
var newSyscallsAMD64 = map[string]int{
	"uprobe": 336, // Linux 6.17
}

// otherArchSyscalls are system calls that exist only on architectures
// go-seccomp-bpf has no table for (powerpc, s390, mips, riscv, sparc, m68k),
// from those architectures' syscall.tbl files. A profile may name them, as
// the moby profile names riscv_hwprobe; they cannot be called on a target
// that lacks them, so rules for them are skipped there (see "# System call
// names" in the package documentation).
var otherArchSyscalls = []string{
	// powerpc
	"multiplexer", "rtas", "spu_create", "spu_run", "subpage_prot",
	"swapcontext", "switch_endian", "sys_debug_setcontext", "sync_file_range2",
	// s390
	"s390_guarded_storage", "s390_pci_mmio_read", "s390_pci_mmio_write",
	"s390_runtime_instr", "s390_sthyi",
	// mips
	"cachectl", "sysmips",
	// riscv
	"riscv_flush_icache", "riscv_hwprobe",
	// sparc
	"kern_features", "memory_ordering", "utrap_install",
	// m68k
	"atomic_barrier", "atomic_cmpxchg_32",
}

// archAliases maps every architecture name lockbox accepts (GOARCH, Linux,
// libseccomp without the SCMP_ARCH_ prefix, moby's include/exclude names) to
// one canonical GOARCH-style name. Only amd64, arm64, 386 and arm have
// system call tables; the others may appear in profiles' includes/excludes.
var archAliases = map[string]string{
	"amd64": "amd64", "x86_64": "amd64",
	"386": "386", "x86": "386", "i386": "386", "i686": "386",
	"x32":   "x32",
	"arm64": "arm64", "aarch64": "arm64",
	"arm": "arm",
	"ppc": "ppc", "ppc64": "ppc64", "ppc64le": "ppc64le",
	"s390": "s390", "s390x": "s390x",
	"mips": "mips", "mipsle": "mipsle", "mipsel": "mipsle",
	"mips64": "mips64", "mips64le": "mips64le", "mipsel64": "mips64le",
	"mips64n32": "mips64n32", "mips64p32": "mips64n32",
	"mipsel64n32": "mips64n32le", "mips64p32le": "mips64n32le", "mips64n32le": "mips64n32le",
	"riscv64": "riscv64",
	"loong64": "loong64", "loongarch64": "loong64",
	"parisc": "parisc", "parisc64": "parisc64",
	"m68k": "m68k", "sh": "sh", "sheb": "sheb",
}

// canonicalArch returns the canonical name of a, "" (runtime.GOARCH) as the
// running architecture, and false if a is not an architecture name.
func canonicalArch(a string) (string, bool) {
	if a == "" {
		a = runtime.GOARCH
	}
	c, ok := archAliases[a]
	return c, ok
}

var targets = sync.OnceValue(func() map[string]*target {
	m := map[string]*target{
		"amd64": {goarch: "amd64", info: arch.X86_64, x32: true},
		"arm64": {goarch: "arm64", info: arch.AARCH64},
		"386":   {goarch: "386", info: arch.I386},
		"arm":   {goarch: "arm", info: arch.ARM},
	}
	for _, t := range m {
		t.audit = uint32(t.info.ID)
		for nr := range t.info.SyscallNumbers {
			t.max = max(t.max, nr)
		}
		for _, nr := range newSyscalls {
			t.max = max(t.max, nr)
		}
	}
	return m
})

// targetFor returns the target for goarch ("" is runtime.GOARCH).
func targetFor(goarch string) (*target, error) {
	c, ok := canonicalArch(goarch)
	if !ok {
		return nil, fmt.Errorf("seccomp: unknown architecture %q", goarch)
	}
	t := targets()[c]
	if t == nil {
		return nil, fmt.Errorf("seccomp: no system call table for architecture %s (tables exist for amd64, arm64, 386 and arm): %w", c, errors.ErrUnsupported)
	}
	return t, nil
}

// lookup returns the number of the system call name on t. If t has no such
// call, foreign reports whether the name exists on another architecture
// (the rule can be skipped) rather than nowhere (an error).
func (t *target) lookup(name string) (nr int, ok, foreign bool) {
	if nr, ok := t.info.SyscallNames[name]; ok {
		return nr, true, false
	}
	if nr, ok := newSyscalls[name]; ok {
		return nr, true, false
	}
	if t.goarch == "amd64" {
		if nr, ok := newSyscallsAMD64[name]; ok {
			return nr, true, false
		}
	}
	return 0, false, knownSyscalls()[name]
}

// knownSyscalls is every system call name of every architecture lockbox
// knows: go-seccomp-bpf's tables (x86_64, x32, i386, aarch64, arm), the
// calls added since, and otherArchSyscalls.
var knownSyscalls = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 600)
	for _, info := range []*arch.Info{arch.X86_64, arch.X32, arch.I386, arch.AARCH64, arch.ARM} {
		for name := range info.SyscallNames {
			m[name] = true
		}
	}
	for name := range newSyscalls {
		m[name] = true
	}
	for name := range newSyscallsAMD64 {
		m[name] = true
	}
	for _, name := range otherArchSyscalls {
		m[name] = true
	}
	return m
})

// capabilities are the Linux capability names (include/uapi/linux/capability.h,
// up to CAP_CHECKPOINT_RESTORE, Linux 5.9), for checking profiles and options.
var capabilities = map[string]bool{
	"CAP_CHOWN": true, "CAP_DAC_OVERRIDE": true, "CAP_DAC_READ_SEARCH": true,
	"CAP_FOWNER": true, "CAP_FSETID": true, "CAP_KILL": true, "CAP_SETGID": true,
	"CAP_SETUID": true, "CAP_SETPCAP": true, "CAP_LINUX_IMMUTABLE": true,
	"CAP_NET_BIND_SERVICE": true, "CAP_NET_BROADCAST": true, "CAP_NET_ADMIN": true,
	"CAP_NET_RAW": true, "CAP_IPC_LOCK": true, "CAP_IPC_OWNER": true,
	"CAP_SYS_MODULE": true, "CAP_SYS_RAWIO": true, "CAP_SYS_CHROOT": true,
	"CAP_SYS_PTRACE": true, "CAP_SYS_PACCT": true, "CAP_SYS_ADMIN": true,
	"CAP_SYS_BOOT": true, "CAP_SYS_NICE": true, "CAP_SYS_RESOURCE": true,
	"CAP_SYS_TIME": true, "CAP_SYS_TTY_CONFIG": true, "CAP_MKNOD": true,
	"CAP_LEASE": true, "CAP_AUDIT_WRITE": true, "CAP_AUDIT_CONTROL": true,
	"CAP_SETFCAP": true, "CAP_MAC_OVERRIDE": true, "CAP_MAC_ADMIN": true,
	"CAP_SYSLOG": true, "CAP_WAKE_ALARM": true, "CAP_BLOCK_SUSPEND": true,
	"CAP_AUDIT_READ": true, "CAP_PERFMON": true, "CAP_BPF": true,
	"CAP_CHECKPOINT_RESTORE": true,
}
