//go:build linux

package cgroup

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// v1Controllers are the hierarchies New creates the group in on cgroup v1,
// when they are mounted: those of Resources, Stats (cpuacct) and Kill
// (freezer). cpuset and devices are left alone.
var v1Controllers = []string{"memory", "pids", "cpu", "cpuacct", "blkio", "freezer"}

// newV1 creates the group name in each v1 hierarchy it uses.
func newV1(ms []mount, pc procCgroup, opts Options, name string) (*Manager, error) {
	vs := opts.Resources.v1Values()
	need := controllers(vs)

	// Resolve and check every parent before creating anything.
	type target struct {
		mnt    mount
		parent string
	}
	var targets []target
	for _, c := range v1Controllers {
		mnt, ok := v1Mount(ms, c)
		if !ok {
			if slices.Contains(need, c) {
				return nil, &Error{Op: "use " + c + " controller", Err: ErrNoController,
					Hint: "no cgroup v1 hierarchy with " + c + " is mounted (see /proc/self/mountinfo)"}
			}
			continue
		}
		if slices.ContainsFunc(targets, func(t target) bool { return t.mnt.Point == mnt.Point }) {
			continue // co-mounted with an earlier one, e.g. cpu,cpuacct
		}
		rel := opts.Parent
		if rel == "" {
			own, ok := pc.V1[c]
			if !ok {
				return nil, &Error{Op: "find own " + c + " cgroup", Path: "/proc/self/cgroup", Err: ErrNoController}
			}
			rel = own
		}
		parent := groupDir(mnt, path.Clean("/"+rel))
		if err := checkCgroupDir(parent, false); err != nil {
			return nil, err
		}
		sweepOnce(parent)
		targets = append(targets, target{mnt, parent})
	}
	if len(targets) == 0 {
		return nil, &Error{Op: "new", Path: "/sys/fs/cgroup", Err: ErrUnsupported,
			Hint: "no cgroup v1 hierarchy of " + strings.Join(v1Controllers, ", ") + " is mounted"}
	}

	m := &Manager{fd: -1}
	for _, t := range targets {
		dir := filepath.Join(t.parent, name)
		if err := mkdirGroup(dir); err != nil {
			return nil, m.remove(err)
		}
		m.dirs = append(m.dirs, group{Dir: dir, Controllers: t.mnt.Controllers})
		if m.path == "" || slices.Contains(t.mnt.Controllers, "memory") {
			m.path = dir
		}
		if slices.Contains(t.mnt.Controllers, "cpuset") {
			// A new v1 cpuset group has no CPU and no memory node: no
			// process may join it until they are copied from the parent.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				b, err := readFile(filepath.Join(t.parent, f))
				if err == nil {
					err = writeFile(filepath.Join(dir, f), strings.TrimSpace(string(b)))
				}
				if err != nil {
					return nil, m.remove(&Error{Op: "copy " + f + " to", Path: dir, Err: errno(err)})
				}
			}
		}
	}
	for _, v := range vs {
		dir, ok := m.v1Dir(v.Controller)
		if !ok {
			return nil, m.remove(bug("no %s group for %s", v.Controller, v.File))
		}
		if err := writeValue(dir, v); err != nil {
			return nil, m.remove(err)
		}
	}
	return m, nil
}

// v1Dir returns the group's directory in the hierarchy of controller c.
func (m *Manager) v1Dir(c string) (string, bool) {
	for _, g := range m.dirs {
		if slices.Contains(g.Controllers, c) {
			return g.Dir, true
		}
	}
	return "", false
}

// statsV1 reads the usage of the v1 groups.
func statsV1(m *Manager) (Stats, error) {
	var st Stats
	if dir, ok := m.v1Dir("cpuacct"); ok {
		user, err := readUint(filepath.Join(dir, "cpuacct.usage_user"))
		if err != nil {
			return st, err
		}
		sys, err := readUint(filepath.Join(dir, "cpuacct.usage_sys"))
		if err != nil {
			return st, err
		}
		st.CPUUser, st.CPUSystem = time.Duration(user), time.Duration(sys)
		if user == 0 && sys == 0 { // before Linux 4.7: cpuacct.stat, in USER_HZ (100/s) ticks
			ticks, err := readKeyed(filepath.Join(dir, "cpuacct.stat"))
			if err != nil {
				return st, err
			}
			st.CPUUser = time.Duration(ticks["user"]) * 10 * time.Millisecond
			st.CPUSystem = time.Duration(ticks["system"]) * 10 * time.Millisecond
		}
	}
	var err error
	if dir, ok := m.v1Dir("memory"); ok {
		if st.MemoryCurrent, err = readUint(filepath.Join(dir, "memory.usage_in_bytes")); err != nil {
			return st, err
		}
		if st.MemoryPeak, err = readUint(filepath.Join(dir, "memory.max_usage_in_bytes")); err != nil {
			return st, err
		}
		oom, err := readKeyed(filepath.Join(dir, "memory.oom_control"))
		if err != nil {
			return st, err
		}
		st.OOMKills = oom["oom_kill"]
	}
	if dir, ok := m.v1Dir("pids"); ok {
		if st.PIDsCurrent, err = readUint(filepath.Join(dir, "pids.current")); err != nil {
			return st, err
		}
		if st.PIDsPeak, err = readUint(filepath.Join(dir, "pids.peak")); err != nil {
			return st, err
		}
	}
	return st, nil
}

// freezeV1 freezes the v1 freezer group dir and waits, until deadline, for
// freezer.state to read FROZEN.
func freezeV1(dir string, deadline time.Time) (func() error, error) {
	p := filepath.Join(dir, "freezer.state")
	if err := writeFile(p, "FROZEN"); err != nil {
		return nil, &Error{Op: "freeze", Path: p, Err: errno(err)}
	}
	thaw := func() error {
		if err := writeFile(p, "THAWED"); err != nil {
			return &Error{Op: "thaw", Path: p, Err: errno(err)}
		}
		return nil
	}
	for wait := 100 * time.Microsecond; time.Now().Before(deadline); wait = min(2*wait, 10*time.Millisecond) {
		b, err := readFile(p)
		if err != nil || strings.TrimSpace(string(b)) == "FROZEN" {
			break
		}
		time.Sleep(wait)
	}
	return thaw, nil
}
