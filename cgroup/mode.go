package cgroup

import "strconv"

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
