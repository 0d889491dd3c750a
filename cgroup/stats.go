package cgroup

import "time"

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
	// v2: memory.peak (Linux 5.19); v1: memory.max_usage_in_bytes. It may
	// exceed Resources.Memory by a few pages: the kernel forces some
	// charges over the limit while the OOM killer works.
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
