// Package seccomp describes seccomp filters as data, assembles them into
// BPF programs and installs them: the policies lockbox's sandbox applies,
// its default policy, and OCI/Docker JSON profiles.
//
// # Quick start
//
// The supervisor builds and assembles the policy, so a bad policy fails
// before anything is cloned, and sends the program to the sandbox init:
//
//	prog, err := seccomp.DefaultFor(keptCaps).Assemble()
//	if err != nil { ... }
//	msg, _ := seccomp.Program(prog).MarshalBinary() // 8 bytes an instruction
//
// The init installs it as its very last step, on the thread that then
// calls execve(2):
//
//	runtime.LockOSThread()
//	var prog seccomp.Program
//	if err := prog.UnmarshalBinary(msg); err != nil { ... }
//	if err := seccomp.Load(prog); err != nil { ... } // sets no_new_privs too
//	unix.Exec(path, argv, envv)
//
// A policy for which [Policy.IsUnconfined] reports true ([Unconfined])
// means: install no filter. It has no program, so Assemble fails for it.
//
// # Policies
//
// A [Policy] is a default action and ordered [Rule]s; the first rule that
// matches a system call decides it. A rule names system calls, an [Action]
// and optional [Arg] conditions on the call's arguments, all of which must
// hold (==, !=, <, <=, >, >=, and masked ==, compared as 64-bit values).
// [Allowlist], [Denylist], [Allow], [Deny], [Rule.When], [Policy.Allow] and
// [Policy.Deny] build policies; [Policy.Validate] reports every problem,
// including rules that can never match because an earlier rule decides
// every call to the same name. [Policy.Dump] prints the program with
// comments.
//
// # The default policy
//
// [Default] is an allowlist equivalent to the moby (Docker, containerd)
// default profile as of 2026 (moby/profiles seccomp/default.json): calls
// it does not list fail with EPERM; clone is allowed only without the
// flags that create namespaces (CLONE_NEWNS, NEWUTS, NEWIPC, NEWUSER,
// NEWPID, NEWNET, NEWCGROUP); clone3 fails with ENOSYS, so libc falls back
// to clone; personality takes only the Linux personalities and the query;
// socket creates every address family but AF_ALG and AF_VSOCK (and those
// the kernel removed). Namespace creation (unshare, setns, clone with
// namespace flags), mount, umount2, pivot_root, chroot, keyctl, add_key,
// request_key, kexec_load, kexec_file_load, init_module, finit_module,
// delete_module, bpf, perf_event_open, userfaultfd, open_by_handle_at,
// io_uring_setup/enter/register, reboot, swapon, swapoff, clock_settime,
// settimeofday, acct, quotactl, syslog and the new mount API are denied.
// Ordinary programs work under it: sh, busybox, python3 with threads and
// subprocesses, gcc, Go binaries.
//
// Default is stricter than moby's profile in these ways:
//
//   - Only the native ABI passes. Moby's archMap also filters i386 and x32
//     calls on amd64 (and arm on arm64) with the same rules; lockbox kills
//     the process on a foreign-ABI call and fails x32 calls with ENOSYS. So
//     32-bit binaries do not run, and i386's socketcall cannot get around
//     the socket family rule.
//   - ptrace, process_vm_readv and process_vm_writev are denied unless
//     CAP_SYS_PTRACE is kept (moby allows them on Linux 4.8 and later).
//     The sandbox's init, a copy of the caller's binary, shares the
//     sandbox for a while (runc CVE-2019-5736), and a program-runner rarely
//     needs a debugger. Debuggers, strace and LeakSanitizer need them:
//     use Default().Allow("ptrace", "process_vm_readv", "process_vm_writev").
//   - adjtimex and clock_adjtime are denied unless CAP_SYS_TIME is kept
//     (moby allows them): the filter cannot tell reading the clock state
//     from setting it (the mode is in memory), and only time daemons use
//     them.
//   - modify_ldt is denied (moby allows it on x86): only 16-bit and Wine
//     code uses it, and it has a history of kernel bugs.
//   - ioctl TIOCSTI and TIOCLINUX fail with EPERM: they let a program with
//     an inherited terminal type into the caller's shell.
//   - System calls numbered above the newest one lockbox knows fail with
//     ENOSYS, not EPERM, so programs fall back from calls newer than this
//     package as they would on an older kernel (runc does the same).
//
// And looser in these: file_getattr and file_setattr (Linux 6.17; the
// FS_IOC_FSGETXATTR/FSSETXATTR ioctls moby allows, as system calls) and
// uprobe (Linux 6.17, like uretprobe, which moby allows) are allowed.
//
// # Kept capabilities
//
// Moby's profile allows more system calls when the container keeps a
// capability that the kernel checks for them (CAP_SYS_ADMIN: mount,
// unshare, setns, clone with namespace flags, clone3, bpf, ...;
// CAP_SYS_PTRACE: ptrace; CAP_SYS_TIME: settimeofday, clock_settime; and
// so on). [DefaultFor] does the same for the capabilities the program
// keeps; [Default] is DefaultFor(nil), for lockbox's usual program, which
// keeps none. Keeping a capability never makes the filter looser than the
// kernel's own check.
//
// # Docker and OCI profiles
//
// [ParseProfile] reads the JSON that `docker run --security-opt
// seccomp=FILE` and OCI runtimes take: defaultAction, defaultErrnoRet,
// architectures, archMap, and for each of syscalls: names (or name),
// action, errnoRet, args (index, value, valueTwo, op) and moby's includes
// and excludes by caps, arches and minKernel, evaluated against
// [ProfileOptions]. Actions SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL,
// SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP and
// SCMP_ACT_LOG and every SCMP_CMP_* operator are supported.
//
// What lockbox cannot do as libseccomp would is refused with an error that
// names the entry, never dropped: SCMP_ACT_NOTIFY and SCMP_ACT_TRACE,
// filter flags, errnoRet 0, two conditions on one argument in one entry
// (runc ORs them, libseccomp ANDs them), and a system call that two
// entries give different actions (libseccomp does not depend on the
// order of entries; lockbox's rules do). So are unknown fields, keys given
// twice, and unknown actions, operators, architectures and capabilities.
//
// # System call names
//
// A name is looked up in the table of the policy's architecture. A name
// that exists on another architecture lockbox knows (go-seccomp-bpf's
// x86_64, x32, i386, aarch64 and arm tables, and a short list for powerpc,
// s390, mips, riscv, sparc and m68k) but not on this one is skipped, as
// libseccomp skips it: the call cannot be made here, so a rule about it
// changes nothing. This lets one profile serve several architectures, as
// moby's names chown32 and riscv_hwprobe. A name that exists nowhere, such
// as a misspelling, is an error wrapping [ErrUnknownSyscall]. The tables
// are go-seccomp-bpf's (Linux 6.15) plus the calls added up to Linux 7.0.
//
// # Architectures and ABIs
//
// A program is assembled for one architecture, [Policy.Arch] (amd64, arm64,
// 386 or arm; default runtime.GOARCH). It first compares seccomp_data.arch
// with that architecture's AUDIT_ARCH value and kills the process for any
// other ABI; on amd64 it then fails x32 calls (numbers with
// __X32_SYSCALL_BIT set) with ENOSYS. Without those checks a 32-bit call,
// whose numbers differ, would get around every rule.
//
// # Kernel requirements
//
// [Load] requires Linux 3.17 (seccomp(2)). ActionKillProcess, which the
// architecture check uses, and ActionLog require Linux 4.14; on older
// kernels an action the kernel does not know kills the calling thread.
// Since Linux 5.11 the kernel caches the verdict for calls a filter
// allows whatever their arguments, so the length of the allowlist costs
// nothing for them.
package seccomp
