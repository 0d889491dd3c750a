// Package cgroup makes one cgroup per run, on cgroup v1 or v2, sets its
// limits, places processes in it, reports their usage and kills them all.
//
// # Quick start
//
//	m, err := cgroup.New(cgroup.Options{
//		Resources: cgroup.Resources{Memory: 256 << 20, PIDs: 64, CPUs: 1},
//	})
//	if err != nil {
//		return err
//	}
//	defer m.Delete()
//
//	cmd := exec.Command("prog")
//	if fd, ok := m.FD(); ok { // cgroup v2: the child starts inside the group
//		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
//	}
//	// cgroup v1: start the child blocked (e.g. reading a pipe), call
//	// m.AddProc(cmd.Process.Pid), then let it go on: it must not fork or
//	// allocate before it is in the group.
//	err = cmd.Run()
//	st, _ := m.Stats() // CPU time, peak memory, OOM kills, ...
//	m.Kill()           // no process of the run survives
//
// # Layouts
//
// [Mode] reports how the machine mounts cgroups. On [Unified] (cgroup v2
// only) the group is one directory. On [Legacy] and [Hybrid] (v1
// controllers, plus an empty cgroup2 at /sys/fs/cgroup/unified) the group
// is one directory in each v1 hierarchy this package uses (memory, pids,
// cpu, cpuacct, blkio, freezer, whichever are mounted), with the same name.
// A hierarchy that is not mounted is an error only if a limit needs it.
//
// # Where groups go
//
// By default a group goes under the caller's own cgroup, read from
// /proc/self/cgroup (on v1, under its own cgroup in each hierarchy), never
// beside it. [Options].Parent names another parent, relative to the cgroup
// mount. Groups are named "lockbox-<pid>-" and 16 random hex digits, the pid
// being the creator's: New removes the empty groups of vanished creators
// (see [RemoveStale]).
//
// # Side effects on cgroup v2
//
// On cgroup v2, a cgroup's children get a controller only if the cgroup
// lists it in cgroup.subtree_control, and a cgroup that has processes may
// not do that for memory or io (the "no internal processes" rule). New
// therefore writes "+cpu +io +memory +pids" (those the parent has) into the
// parent's cgroup.subtree_control, and these stay enabled. If that fails
// with EBUSY because the parent is the caller's own cgroup and has
// processes, as it does for a program run as a systemd service, New moves
// every process of that cgroup (the caller and whatever else runs there)
// into the leaf child lockbox-supervisor, and tries again, as go-sandbox
// does. The leaf is reused by later calls, also from other processes, and
// never removed by this package. A parent given in Options.Parent is never
// changed this way: New returns an error saying what to do.
//
// If the caller may not write the parent (not root, and the cgroup is not
// delegated to it), New returns an *[Error] whose Hint says how to get a
// delegated cgroup from systemd (systemd-run --user -p Delegate=yes
// --scope ...).
//
// # Kernel requirements
//
// Placing a child with [Manager.FD] requires Linux 5.7 (clone3 with
// CLONE_INTO_CGROUP) and cgroup v2. [Manager.Kill] uses cgroup.kill (Linux
// 5.14) and falls back to freezing and signalling each process. Stats
// fields that a kernel lacks read as 0; each field names its file.
//
// On cgroup v1, a memory group may linger in the kernel as "dying" for a
// while after Delete removed its directory; that is harmless.
package cgroup
