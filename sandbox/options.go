package sandbox

import (
	"syscall"
	"time"

	"github.com/lockbox-dev/lockbox/cgroup"

	"github.com/lockbox-dev/lockbox/seccomp"

	"github.com/lockbox-dev/lockbox/caps"
)

// An Option is an isolation setting given to Run. Every option struct of
// this package is an Option and also a field of Cmd; Run sets that field.
type Option interface {
	apply(*Cmd)
}

// Namespaces says which namespaces the sandbox shares with the caller. The
// zero value shares none: new mount, pid, uts, ipc and cgroup namespaces (the
// network namespace is chosen by Network). Sharing one is explicit.
type Namespaces struct {
	// SharePID runs the program in the caller's pid namespace. Then there is
	// no pid 1 of the sandbox's own: the program cannot see only its own
	// processes, and processes it leaves behind are not killed with it.
	SharePID bool
	// ShareIPC shares System V IPC and POSIX message queues with the caller.
	ShareIPC bool
	// ShareUTS shares the hostname; Hostname must then be empty.
	ShareUTS bool
	// ShareCgroup shares the cgroup namespace (the program sees the host's
	// cgroup paths).
	ShareCgroup bool
	// User makes a new user namespace. It is always made when the caller is
	// not root. Its mapping is the caller's uid and gid as 0 inside, plus
	// Identity's ids mapped to themselves when the caller is root.
	User bool
}

func (o Namespaces) apply(c *Cmd) { c.Namespaces = o }

// NetworkMode selects the sandbox's network.
type NetworkMode int

const (
	// NetworkNone, the zero value, gives a new network namespace with only
	// the loopback interface, up.
	NetworkNone NetworkMode = iota
	// NetworkHost shares the caller's network namespace: the program can
	// reach whatever the caller can.
	NetworkHost
)

// Network selects the sandbox's network. The zero value is NetworkNone.
type Network struct {
	Mode NetworkMode
}

func (o Network) apply(c *Cmd) { c.Network = o }

// Filesystem describes the sandbox's root and extra mounts. The zero value
// is a read-only view of the host's system directories (/usr, /bin, /sbin,
// /lib*, and the /etc files programs need) on a fresh tmpfs root, with a
// fresh /proc (sensitive paths masked or read-only, as runc does), a minimal
// /dev, and a private, writable /tmp. Nothing else of the host is visible.
type Filesystem struct {
	// Root, if not empty, is a host directory used as the root instead of
	// the host view. Mount points the sandbox needs (/proc, /dev, /tmp and
	// the Mounts targets) are created in it if missing.
	Root string
	// RootWritable leaves the root writable. By default it is read-only.
	RootWritable bool
	// Mounts are applied in order, after the default ones, so a later mount
	// may cover an earlier one (or /tmp).
	Mounts []Mount
	// TmpSize is the size of the private /tmp in bytes; 0 means the kernel
	// default (half of RAM). Its pages are charged to the sandbox's memory.
	TmpSize int64
}

func (o Filesystem) apply(c *Cmd) { c.Filesystem = o }

// MountType is the kind of a Mount.
type MountType int

const (
	// MountBind binds a host path (file or directory) into the sandbox.
	MountBind MountType = iota
	// MountTmpfs mounts a private, empty tmpfs.
	MountTmpfs
)

// A Mount is an extra mount. Target is resolved inside the sandbox's root:
// a symlink or ".." that leads out of the root is an error.
type Mount struct {
	Type MountType
	// Source is an absolute host path, for MountBind.
	Source string
	// Target is the absolute path inside the sandbox.
	Target string
	// Writable makes a bind mount read-write; binds are read-only by
	// default. A tmpfs is always writable.
	Writable bool
	// Size limits a tmpfs, in bytes; 0 means the kernel default.
	Size int64
}

// Bind returns a read-only bind mount of the host path src at dst.
func Bind(src, dst string) Mount { return Mount{Type: MountBind, Source: src, Target: dst} }

// BindWritable returns a read-write bind mount of the host path src at dst.
func BindWritable(src, dst string) Mount {
	return Mount{Type: MountBind, Source: src, Target: dst, Writable: true}
}

// Tmpfs returns a private tmpfs (mode 1777, like /tmp) at dst of at most size bytes (0: no limit
// but the kernel default).
func Tmpfs(dst string, size int64) Mount { return Mount{Type: MountTmpfs, Target: dst, Size: size} }

// Identity is who the program runs as inside the sandbox. The zero value is
// uid 65534, gid 65534 (nobody, nogroup) with no supplementary groups.
type Identity struct {
	// Root runs the program as uid 0 (and gid 0 unless GID is set). It
	// still has only the capabilities it is given.
	Root bool
	// UID and GID, if not 0, are the ids inside; 0 means 65534 unless Root.
	UID, GID int
	// Groups are the supplementary groups; none by default.
	Groups []int
}

func (o Identity) apply(c *Cmd) { c.Identity = o }

// Capabilities are the Linux capabilities the program keeps. The zero value
// keeps none: all five sets (bounding, permitted, effective, inheritable,
// ambient) are empty, whatever the uid. Kept capabilities are in all five
// sets, so they survive execve for a non-root uid too.
type Capabilities struct {
	Keep caps.Set
}

func (o Capabilities) apply(c *Cmd) { c.Capabilities = o }

// Seccomp is the system-call filter, installed as the last step before the
// program's execve(2), after no_new_privs. A nil Policy means
// seccomp.DefaultFor the kept capabilities: an allowlist equivalent to the
// Docker/containerd default profile (EPERM for anything else).
// seccomp.Unconfined() installs no filter; that is the explicit opt-out.
//
// The policy is assembled in the caller, so a bad policy fails before
// anything is started. Requires Linux 3.17 (seccomp(2)).
type Seccomp struct {
	Policy *seccomp.Policy
}

func (o Seccomp) apply(c *Cmd) { c.Seccomp = o }

// Resources are the run's cgroup limits. Every run gets a cgroup of its own
// (under the caller's own cgroup unless Parent says otherwise), so its usage
// is always reported; the zero value sets no limit. The program is in the
// cgroup before its first instruction: on cgroup v2 the init is cloned
// straight into it (CLONE_INTO_CGROUP, Linux 5.7), on v1 it is added while
// the init still waits for its spec.
//
// The sandbox's init (a re-exec of the caller's binary, a few MiB and a
// handful of threads) runs in the same cgroup: keep Memory above about 16 MiB
// and PIDs above about 16.
type Resources struct {
	// Memory is the hard memory limit in bytes; 0 means none.
	Memory int64
	// MemorySwap is the swap allowed on top of Memory: 0 means none (swap
	// cannot dodge the limit), -1 means unlimited.
	MemorySwap int64
	// PIDs limits processes and threads; 0 means no limit.
	PIDs int64
	// CPUs is the CPU quota in cores (0.5 = half a core); 0 means none.
	CPUs float64
	// CPUWeight is the share under contention, 1..10000 (default 100).
	CPUWeight uint64
	// IOWeight is the block I/O weight, 1..10000, where the hierarchy has
	// it.
	IOWeight uint64
	// Parent is the cgroup to create the run's cgroup under, relative to the
	// cgroup mount (e.g. "/myjudge"); "" means the caller's own cgroup.
	Parent string
}

func (o Resources) apply(c *Cmd) { c.Resources = o }

func (o Resources) cgroup() cgroup.Options {
	return cgroup.Options{Parent: o.Parent, Resources: cgroup.Resources{
		Memory: o.Memory, MemorySwap: o.MemorySwap, PIDs: o.PIDs, CPUs: o.CPUs,
		CPUWeight: o.CPUWeight, IOWeight: o.IOWeight,
	}}
}

// Unlimited is the value of an Rlimits field that lifts the limit
// (RLIM_INFINITY); it is accepted only where the caller's own hard limit is
// unlimited too.
const Unlimited = ^uint64(0)

// Rlimits are the program's resource limits (setrlimit(2)), set just before
// execve with the soft and the hard limit both at the value, so the program
// cannot raise them. A zero field leaves that limit as the program would
// inherit it from the caller, with two exceptions: core dumps are off unless
// Core is set, and a zero OpenFiles gives the usual soft limit of 1024 (or
// the hard limit if lower) under the caller's hard limit. A value may not
// exceed the caller's own hard limit.
//
// RLIMIT_NPROC counts every process of the program's real uid on the host
// (in its user namespace), not only the sandbox's: use Resources.PIDs to
// bound the sandbox itself.
type Rlimits struct {
	OpenFiles    uint64 // RLIMIT_NOFILE: descriptors
	Processes    uint64 // RLIMIT_NPROC: processes of the uid
	FileSize     uint64 // RLIMIT_FSIZE: bytes a file may grow to (SIGXFSZ past it)
	CPUSeconds   uint64 // RLIMIT_CPU: seconds of CPU time (SIGXCPU, then SIGKILL)
	AddressSpace uint64 // RLIMIT_AS: bytes of virtual memory
	Data         uint64 // RLIMIT_DATA: bytes of data segment and heap
	Stack        uint64 // RLIMIT_STACK: bytes of stack
	Core         uint64 // RLIMIT_CORE: bytes of core dump; 0 (the default) means none
}

func (o Rlimits) apply(c *Cmd) { c.Rlimits = o }

// Hostname is the sandbox's host name; the zero value is "sandbox", never
// the host's name.
type Hostname string

func (o Hostname) apply(c *Cmd) { c.Hostname = o }

// GracePeriod is how long a cancelled or timed-out run gets between SIGTERM
// and SIGKILL. The zero value kills at once.
type GracePeriod time.Duration

func (o GracePeriod) apply(c *Cmd) { c.GracePeriod = o }

// A Result is what a run cost and how it ended.
type Result struct {
	// ExitCode is the program's exit code, or -1 if a signal killed it.
	ExitCode int
	// Signal is the signal that killed the program, or 0.
	Signal syscall.Signal
	// TimedOut reports whether the run was killed because its context's
	// deadline passed.
	TimedOut bool
	// OOMKilled reports whether the kernel's OOM killer killed a process of
	// the sandbox because of its memory limit.
	OOMKilled bool
	// WallTime is the time from Start to the end of the program.
	WallTime time.Duration
	// UserTime and SystemTime are the CPU time of every process of the
	// sandbox.
	UserTime   time.Duration
	SystemTime time.Duration
	// PeakMemory is the highest memory use of the sandbox, in bytes.
	PeakMemory int64
}

// CPUTime is UserTime plus SystemTime.
func (r *Result) CPUTime() time.Duration { return r.UserTime + r.SystemTime }
