package cgroup

import (
	"strconv"
	"time"
)

// A Layout is how the machine mounts its cgroup hierarchies.
type Layout int

const (
	// Unavailable: no cgroup hierarchy is mounted at /sys/fs/cgroup (or
	// this is not Linux). [New] returns [ErrUnsupported].
	Unavailable Layout = iota
	// Legacy: cgroup v1 only, one hierarchy per controller (or a few
	// co-mounted) under /sys/fs/cgroup/<controller>.
	Legacy
	// Hybrid: cgroup v1 controllers as in Legacy, plus a cgroup2
	// hierarchy at /sys/fs/cgroup/unified that usually has no controllers.
	// This package uses the v1 controllers.
	Hybrid
	// Unified: cgroup v2 only, at /sys/fs/cgroup.
	Unified
)

func (l Layout) String() string {
	switch l {
	case Unavailable:
		return "unavailable"
	case Legacy:
		return "legacy (cgroup v1)"
	case Hybrid:
		return "hybrid (cgroup v1 controllers, cgroup v2 at /sys/fs/cgroup/unified)"
	case Unified:
		return "unified (cgroup v2)"
	}
	return "Layout(" + strconv.Itoa(int(l)) + ")"
}

// Mode reports the layout of the cgroup hierarchies on this machine. It is
// probed once, on first use, with statfs(2) on /sys/fs/cgroup and
// /sys/fs/cgroup/unified (through containerd/cgroups' Mode).
func Mode() Layout { return mode() }

// Stats is the usage of a group since it was created. A counter that the
// running kernel does not provide is 0; the field's doc names the file and
// the kernel that brings it.
type Stats struct {
	// CPUUser and CPUSystem are the CPU time spent by the group's
	// processes (including ones that have exited) in user and kernel mode.
	// v2: cpu.stat user_usec, system_usec; v1: cpuacct.usage_user,
	// cpuacct.usage_sys (Linux 4.7), else cpuacct.stat (in 10 ms ticks).
	CPUUser, CPUSystem time.Duration

	// MemoryCurrent is the memory charged to the group now, in bytes.
	// v2: memory.current; v1: memory.usage_in_bytes.
	MemoryCurrent uint64

	// MemoryPeak is the most memory ever charged to the group, in bytes.
	// v2: memory.peak (Linux 5.19); v1: memory.max_usage_in_bytes.
	MemoryPeak uint64

	// OOMKills counts the processes of the group killed by the OOM killer.
	// v2: memory.events oom_kill (Linux 4.13), which counts the group's
	// subtree; the group has no children, so it equals memory.events.local
	// (Linux 5.2). v1: memory.oom_control oom_kill (Linux 4.13).
	OOMKills uint64

	// PIDsCurrent is the number of tasks (processes and threads) in the
	// group now; PIDsPeak the most there ever were (pids.peak, present in
	// Linux 6.1; 0 where the kernel lacks it). v1 and v2: pids.current.
	PIDsCurrent, PIDsPeak uint64
}

// Options say where [New] creates a group and which limits it sets.
type Options struct {
	// Parent is the cgroup under which the group is created, as a path
	// relative to the root of the cgroup hierarchy (for example
	// "/myjudge"; the same path in every v1 hierarchy). It must exist and
	// be a cgroup. Parent "" means the calling process's own cgroup, read
	// from /proc/self/cgroup (on v1, each hierarchy's own).
	Parent string

	// Resources are the limits to set; the zero value sets none.
	Resources Resources
}

// Timeouts of Kill and Delete.
const (
	// killTimeout bounds how long Kill tries to empty the group.
	killTimeout = 10 * time.Second
)
