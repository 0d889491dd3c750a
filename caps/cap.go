package caps

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnsupported is wrapped by every error that reports a feature the running
// system does not have: a GOOS other than Linux, or a capability newer than
// the running kernel.
var ErrUnsupported = fmt.Errorf("caps: %w", errors.ErrUnsupported)

// ErrUnknown is wrapped by the errors of [Parse] and [ParseSet] for a name
// that is not a capability.
var ErrUnknown = errors.New("caps: unknown capability")

// A Cap is a Linux capability, by its kernel number (CAP_CHOWN is 0).
// Its String method returns the kernel name, e.g. "CAP_NET_BIND_SERVICE".
type Cap int

// The capabilities of capabilities(7), in kernel order. The comment after
// each gives the first Linux version that knows it where that is later
// than 2.6.
const (
	Chown             Cap = 0  // CAP_CHOWN: change file owners and groups
	DACOverride       Cap = 1  // CAP_DAC_OVERRIDE: bypass file permission checks
	DACReadSearch     Cap = 2  // CAP_DAC_READ_SEARCH: bypass file read and directory search checks
	FOwner            Cap = 3  // CAP_FOWNER: bypass checks that the file's owner is the caller
	FSetID            Cap = 4  // CAP_FSETID: keep set-user-ID and set-group-ID bits on modification
	Kill              Cap = 5  // CAP_KILL: send signals to any process
	SetGID            Cap = 6  // CAP_SETGID: change group IDs and supplementary groups
	SetUID            Cap = 7  // CAP_SETUID: change user IDs
	SetPCap           Cap = 8  // CAP_SETPCAP: change the bounding set and inheritable capabilities
	LinuxImmutable    Cap = 9  // CAP_LINUX_IMMUTABLE: set immutable and append-only file flags
	NetBindService    Cap = 10 // CAP_NET_BIND_SERVICE: bind ports below ip_unprivileged_port_start
	NetBroadcast      Cap = 11 // CAP_NET_BROADCAST: unused
	NetAdmin          Cap = 12 // CAP_NET_ADMIN: administer network interfaces, routes, firewalls
	NetRaw            Cap = 13 // CAP_NET_RAW: use RAW and PACKET sockets
	IPCLock           Cap = 14 // CAP_IPC_LOCK: lock memory
	IPCOwner          Cap = 15 // CAP_IPC_OWNER: bypass System V IPC permission checks
	SysModule         Cap = 16 // CAP_SYS_MODULE: load and unload kernel modules
	SysRawIO          Cap = 17 // CAP_SYS_RAWIO: I/O port operations, /dev/mem
	SysChroot         Cap = 18 // CAP_SYS_CHROOT: chroot(2), setns(2) of a mount namespace
	SysPtrace         Cap = 19 // CAP_SYS_PTRACE: trace and inspect any process
	SysPacct          Cap = 20 // CAP_SYS_PACCT: process accounting
	SysAdmin          Cap = 21 // CAP_SYS_ADMIN: mount, namespaces and much else
	SysBoot           Cap = 22 // CAP_SYS_BOOT: reboot(2), kexec_load(2)
	SysNice           Cap = 23 // CAP_SYS_NICE: raise priorities, set other processes' scheduling
	SysResource       Cap = 24 // CAP_SYS_RESOURCE: override resource limits
	SysTime           Cap = 25 // CAP_SYS_TIME: set the system clock
	SysTTYConfig      Cap = 26 // CAP_SYS_TTY_CONFIG: vhangup(2), privileged terminal ioctls
	Mknod             Cap = 27 // CAP_MKNOD: create device files
	Lease             Cap = 28 // CAP_LEASE: take leases on files the caller does not own
	AuditWrite        Cap = 29 // CAP_AUDIT_WRITE: write the kernel audit log
	AuditControl      Cap = 30 // CAP_AUDIT_CONTROL: configure kernel auditing
	SetFCap           Cap = 31 // CAP_SETFCAP: set file capabilities
	MACOverride       Cap = 32 // CAP_MAC_OVERRIDE: override mandatory access control
	MACAdmin          Cap = 33 // CAP_MAC_ADMIN: configure mandatory access control
	Syslog            Cap = 34 // CAP_SYSLOG: privileged syslog(2) operations
	WakeAlarm         Cap = 35 // CAP_WAKE_ALARM: timers that wake the system (Linux 3.0)
	BlockSuspend      Cap = 36 // CAP_BLOCK_SUSPEND: block system suspend (Linux 3.5)
	AuditRead         Cap = 37 // CAP_AUDIT_READ: read the audit log over multicast netlink (Linux 3.16)
	Perfmon           Cap = 38 // CAP_PERFMON: performance monitoring (Linux 5.8)
	BPF               Cap = 39 // CAP_BPF: privileged BPF operations (Linux 5.8)
	CheckpointRestore Cap = 40 // CAP_CHECKPOINT_RESTORE: checkpoint/restore operations (Linux 5.9)
)

// maxCap is the highest capability number a [Set] can hold.
const maxCap Cap = 63

// names holds the kernel name of every capability this package knows,
// indexed by number.
var names = [...]string{
	Chown:             "CAP_CHOWN",
	DACOverride:       "CAP_DAC_OVERRIDE",
	DACReadSearch:     "CAP_DAC_READ_SEARCH",
	FOwner:            "CAP_FOWNER",
	FSetID:            "CAP_FSETID",
	Kill:              "CAP_KILL",
	SetGID:            "CAP_SETGID",
	SetUID:            "CAP_SETUID",
	SetPCap:           "CAP_SETPCAP",
	LinuxImmutable:    "CAP_LINUX_IMMUTABLE",
	NetBindService:    "CAP_NET_BIND_SERVICE",
	NetBroadcast:      "CAP_NET_BROADCAST",
	NetAdmin:          "CAP_NET_ADMIN",
	NetRaw:            "CAP_NET_RAW",
	IPCLock:           "CAP_IPC_LOCK",
	IPCOwner:          "CAP_IPC_OWNER",
	SysModule:         "CAP_SYS_MODULE",
	SysRawIO:          "CAP_SYS_RAWIO",
	SysChroot:         "CAP_SYS_CHROOT",
	SysPtrace:         "CAP_SYS_PTRACE",
	SysPacct:          "CAP_SYS_PACCT",
	SysAdmin:          "CAP_SYS_ADMIN",
	SysBoot:           "CAP_SYS_BOOT",
	SysNice:           "CAP_SYS_NICE",
	SysResource:       "CAP_SYS_RESOURCE",
	SysTime:           "CAP_SYS_TIME",
	SysTTYConfig:      "CAP_SYS_TTY_CONFIG",
	Mknod:             "CAP_MKNOD",
	Lease:             "CAP_LEASE",
	AuditWrite:        "CAP_AUDIT_WRITE",
	AuditControl:      "CAP_AUDIT_CONTROL",
	SetFCap:           "CAP_SETFCAP",
	MACOverride:       "CAP_MAC_OVERRIDE",
	MACAdmin:          "CAP_MAC_ADMIN",
	Syslog:            "CAP_SYSLOG",
	WakeAlarm:         "CAP_WAKE_ALARM",
	BlockSuspend:      "CAP_BLOCK_SUSPEND",
	AuditRead:         "CAP_AUDIT_READ",
	Perfmon:           "CAP_PERFMON",
	BPF:               "CAP_BPF",
	CheckpointRestore: "CAP_CHECKPOINT_RESTORE",
}

// byName maps a name without its "CAP_" prefix, upper-cased, to its Cap.
var byName = func() map[string]Cap {
	m := make(map[string]Cap, len(names))
	for c, n := range names {
		m[strings.TrimPrefix(n, "CAP_")] = Cap(c)
	}
	return m
}()

// String returns the kernel name of c, such as "CAP_NET_BIND_SERVICE", or
// "Cap(41)" for a number this package does not name.
func (c Cap) String() string {
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return "Cap(" + strconv.Itoa(int(c)) + ")"
}

// Parse returns the capability called name. The "CAP_" prefix is optional
// and case does not matter: "CAP_NET_BIND_SERVICE", "NET_BIND_SERVICE" and
// "net_bind_service" all name [NetBindService]. An unknown name is an error
// that wraps [ErrUnknown] and quotes name.
func Parse(name string) (Cap, error) {
	up := strings.ToUpper(name)
	if c, ok := byName[strings.TrimPrefix(up, "CAP_")]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("%w %q", ErrUnknown, name)
}
