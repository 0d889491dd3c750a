package cgroup

import (
	"errors"
	"math"
	"slices"
	"strconv"
)

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

// Resources are the limits of one group. The zero value sets no limit: the
// group is still created, so that its usage can be reported.
//
// Every limit is in place when [New] returns, before any process is added.
type Resources struct {
	// Memory is the hard limit on the group's memory (anonymous, page cache
	// and kernel memory charged to it), in bytes; 0 means no limit. Going
	// over it triggers the OOM killer inside the group.
	// v2: memory.max; v1: memory.limit_in_bytes.
	Memory int64

	// MemorySwap is the swap the group may use on top of Memory, in bytes.
	// It applies only when Memory is set.
	//
	//   0   no swap: memory+swap is limited to Memory, so swapping cannot
	//       dodge the Memory limit (v2 memory.swap.max 0; v1
	//       memory.memsw.limit_in_bytes = Memory).
	//   >0  that much swap on top of Memory.
	//   -1  unlimited swap (explicit).
	//
	// If the kernel does not account swap (no memory.swap.max, or v1 booted
	// without swapaccount), a MemorySwap of 0 falls back to v1
	// memory.swappiness 0 (nothing on v2) and -1 is accepted as is; a
	// positive MemorySwap is an error.
	MemorySwap int64

	// PIDs limits the number of tasks (processes and threads) in the group;
	// 0 means no limit. A fork beyond it fails with EAGAIN.
	// v1 and v2: pids.max.
	PIDs int64

	// CPUs is the CPU bandwidth quota in cores, e.g. 0.5 for half a core or
	// 2 for two; 0 means no quota. The quota is enforced per 100 ms period
	// and must be at least 0.01 (the kernel's 1 ms minimum).
	// v2: cpu.max "50000 100000" for 0.5; v1: cpu.cfs_quota_us and
	// cpu.cfs_period_us.
	CPUs float64

	// CPUWeight is the group's share of CPU time under contention, in the
	// cgroup v2 range 1..10000 (default 100); 0 leaves the default.
	// v2: cpu.weight; v1: cpu.shares = CPUWeight*1024/100 (systemd's
	// mapping: the default weight 100 is the default 1024 shares).
	CPUWeight uint64

	// IOWeight is the group's share of block I/O under contention, in the
	// cgroup v2 range 1..10000 (default 100); 0 leaves the default.
	//
	// It needs an I/O scheduler with weights: v2 io.weight (io.cost,
	// Linux 5.4) or else io.bfq.weight (BFQ); v1 blkio.weight (CFQ, removed
	// in Linux 5.0) as CFQ's 10..1000 (IOWeight*5), or else
	// blkio.bfq.weight (BFQ's 1..1000: 1→1, 100→100, 10000→1000). If none
	// of these files exists, [New] fails rather than silently ignore it.
	IOWeight uint64
}

// Limits of the fields, in the units of Resources.
const (
	cfsPeriod    = 100000 // µs, the default CFS period
	minCPUs      = 0.01   // 1 ms per 100 ms period: the kernel's minimum quota
	maxCPUs      = 1 << 20
	maxWeight    = 10000
	defWeight    = 100
	bfqMax       = 1000
	bfqDefault   = 100
	blkioMin     = 10
	blkioMax     = 1000
	sharesMin    = 2
	sharesMax    = 262144
	sharesDflt   = 1024
	blkioDefault = 500
)

// Validate reports every invalid field of r, joined with errors.Join; each
// is a *[ResourceError] naming the field.
func (r Resources) Validate() error {
	var errs []error
	bad := func(field string, v any, reason string) {
		errs = append(errs, &ResourceError{Field: field, Value: v, Reason: reason})
	}
	if r.Memory < 0 {
		bad("Memory", r.Memory, "must be >= 0 bytes (0 = no limit)")
	}
	switch {
	case r.MemorySwap < -1:
		bad("MemorySwap", r.MemorySwap, "must be -1 (unlimited), 0 (no swap) or a number of bytes")
	case r.MemorySwap > 0 && r.Memory == 0:
		bad("MemorySwap", r.MemorySwap, "needs Memory: swap is allowed on top of the Memory limit")
	case r.MemorySwap > 0 && r.Memory > 0 && r.Memory > math.MaxInt64-r.MemorySwap:
		bad("MemorySwap", r.MemorySwap, "Memory+MemorySwap overflows int64")
	}
	if r.PIDs < 0 {
		bad("PIDs", r.PIDs, "must be >= 0 (0 = no limit)")
	}
	switch {
	case math.IsNaN(r.CPUs) || math.IsInf(r.CPUs, 0):
		bad("CPUs", r.CPUs, "must be a finite number of cores")
	case r.CPUs < 0:
		bad("CPUs", r.CPUs, "must be >= 0 (0 = no quota)")
	case r.CPUs > 0 && r.CPUs < minCPUs:
		bad("CPUs", r.CPUs, "must be at least 0.01 (the kernel's minimum quota is 1 ms per 100 ms)")
	case r.CPUs > maxCPUs:
		bad("CPUs", r.CPUs, "must be at most 1048576 cores")
	}
	if r.CPUWeight > maxWeight {
		bad("CPUWeight", r.CPUWeight, "must be 1..10000 (0 = default)")
	}
	if r.IOWeight > maxWeight {
		bad("IOWeight", r.IOWeight, "must be 1..10000 (0 = default)")
	}
	return errors.Join(errs...)
}

// A value is one write into a file of the new group.
type value struct {
	Controller string // v1: the hierarchy holding File; v2: the controller to enable
	File       string // name inside the group's directory
	Data       string

	// Else, if non-nil, is written instead when File does not exist on the
	// running kernel (ENOENT).
	Else *value

	// Optional reports whether the write is skipped when File (and Else)
	// does not exist.
	Optional bool
}

// v2Values returns the writes that put r in place on a cgroup v2 group, in
// order. r must be valid.
func (r Resources) v2Values() []value {
	var vs []value
	if r.Memory > 0 {
		vs = append(vs, value{Controller: "memory", File: "memory.max", Data: itoa(r.Memory)})
		switch {
		case r.MemorySwap == 0:
			vs = append(vs, value{Controller: "memory", File: "memory.swap.max", Data: "0", Optional: true})
		case r.MemorySwap > 0:
			vs = append(vs, value{Controller: "memory", File: "memory.swap.max", Data: itoa(r.MemorySwap)})
		default:
			vs = append(vs, value{Controller: "memory", File: "memory.swap.max", Data: "max", Optional: true})
		}
	}
	if r.PIDs > 0 {
		vs = append(vs, value{Controller: "pids", File: "pids.max", Data: itoa(r.PIDs)})
	}
	if r.CPUs > 0 {
		vs = append(vs, value{Controller: "cpu", File: "cpu.max", Data: itoa(cpuQuota(r.CPUs)) + " " + itoa(cfsPeriod)})
	}
	if r.CPUWeight > 0 {
		vs = append(vs, value{Controller: "cpu", File: "cpu.weight", Data: utoa(r.CPUWeight)})
	}
	if r.IOWeight > 0 {
		vs = append(vs, value{Controller: "io", File: "io.weight", Data: "default " + utoa(r.IOWeight),
			Else: &value{Controller: "io", File: "io.bfq.weight", Data: utoa(bfqWeight(r.IOWeight))}})
	}
	return vs
}

// v1Values returns the writes that put r in place on cgroup v1 groups, in
// order (memory.limit_in_bytes before memory.memsw.limit_in_bytes, which
// must not be below it). r must be valid.
func (r Resources) v1Values() []value {
	var vs []value
	if r.Memory > 0 {
		vs = append(vs, value{Controller: "memory", File: "memory.limit_in_bytes", Data: itoa(r.Memory)})
		switch {
		case r.MemorySwap == 0:
			vs = append(vs, value{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: itoa(r.Memory),
				Else: &value{Controller: "memory", File: "memory.swappiness", Data: "0"}})
		case r.MemorySwap > 0:
			vs = append(vs, value{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: itoa(r.Memory + r.MemorySwap)})
		default:
			vs = append(vs, value{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: "-1", Optional: true})
		}
	}
	if r.PIDs > 0 {
		vs = append(vs, value{Controller: "pids", File: "pids.max", Data: itoa(r.PIDs)})
	}
	if r.CPUs > 0 {
		vs = append(vs,
			value{Controller: "cpu", File: "cpu.cfs_period_us", Data: itoa(cfsPeriod)},
			value{Controller: "cpu", File: "cpu.cfs_quota_us", Data: itoa(cpuQuota(r.CPUs))})
	}
	if r.CPUWeight > 0 {
		vs = append(vs, value{Controller: "cpu", File: "cpu.shares", Data: utoa(cpuShares(r.CPUWeight))})
	}
	if r.IOWeight > 0 {
		vs = append(vs, value{Controller: "blkio", File: "blkio.weight", Data: utoa(blkioWeight(r.IOWeight)),
			Else: &value{Controller: "blkio", File: "blkio.bfq.weight", Data: utoa(bfqWeight(r.IOWeight))}})
	}
	return vs
}

// controllers returns the controllers that vs write to, each once, in order.
func controllers(vs []value) []string {
	var cs []string
	for _, v := range vs {
		if !slices.Contains(cs, v.Controller) {
			cs = append(cs, v.Controller)
		}
	}
	return cs
}

// cpuQuota converts cores to a CFS quota in µs per cfsPeriod.
func cpuQuota(cpus float64) int64 { return int64(math.Round(cpus * cfsPeriod)) }

// cpuShares maps a v2 weight to v1 cpu.shares as systemd does
// (100 -> 1024), clamped to the kernel's 2..262144.
func cpuShares(w uint64) uint64 { return clamp(w*sharesDflt/defWeight, sharesMin, sharesMax) }

// blkioWeight maps a v2 weight to CFQ's blkio.weight as systemd does
// (100 -> 500), clamped to 10..1000.
func blkioWeight(w uint64) uint64 { return clamp(w*blkioDefault/defWeight, blkioMin, blkioMax) }

// bfqWeight maps a v2 weight to BFQ's 1..1000 as systemd does: linear
// from 1 to the default 100, then from 100 to 1000 at 10000.
func bfqWeight(w uint64) uint64 {
	if w <= defWeight {
		return (w-1)*(bfqDefault-1)/(defWeight-1) + 1
	}
	return (w-defWeight)*(bfqMax-bfqDefault)/(maxWeight-defWeight) + bfqDefault
}

func clamp(v, lo, hi uint64) uint64 { return min(max(v, lo), hi) }

func itoa(i int64) string  { return strconv.FormatInt(i, 10) }
func utoa(u uint64) string { return strconv.FormatUint(u, 10) }
