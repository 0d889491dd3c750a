//go:build linux

package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// v2Controllers are the controllers New enables for its groups on cgroup
// v2, when the parent has them: those of Resources and Stats.
var v2Controllers = []string{"cpu", "io", "memory", "pids"}

// enableMu serialises the changes New makes to parents on cgroup v2
// (cgroup.subtree_control, moving processes to the supervisor leaf).
var enableMu sync.Mutex

// newV2 creates the group name on a cgroup v2 hierarchy.
func newV2(ms []mount, pc procCgroup, opts Options, name string) (*Manager, error) {
	mnt, ok := v2Mount(ms)
	if !ok {
		return nil, &Error{Op: "find cgroup2 mount", Path: "/proc/self/mountinfo", Err: ErrUnsupported}
	}
	self := opts.Parent == ""
	rel := opts.Parent
	if self {
		if !pc.HasV2 {
			return nil, &Error{Op: "find own cgroup", Path: "/proc/self/cgroup", Err: errors.New(`no "0::" line`)}
		}
		rel = selfRel(pc.V2)
	}
	parent := groupDir(mnt, path.Clean("/"+rel))
	if err := checkCgroupDir(parent, true); err != nil {
		return nil, err
	}
	sweepOnce(parent)

	vs := opts.Resources.v2Values()
	avail, err := readList(filepath.Join(parent, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	for _, c := range controllers(vs) {
		if !slices.Contains(avail, c) {
			return nil, &Error{Op: "use " + c + " controller in", Path: parent, Err: ErrNoController,
				Hint: fmt.Sprintf("its cgroup.controllers has %q: enable %s in the cgroup.subtree_control of %s",
					strings.Join(avail, " "), c, filepath.Dir(parent))}
		}
	}
	var want []string
	for _, c := range v2Controllers {
		if slices.Contains(avail, c) {
			want = append(want, c)
		}
	}
	if err := enableControllers(parent, want, self); err != nil {
		return nil, err
	}

	dir := filepath.Join(parent, name)
	if err := mkdirGroup(dir); err != nil {
		return nil, err
	}
	m := &Manager{v2: true, dirs: []group{{Dir: dir}}, path: dir, fd: -1}
	for _, v := range vs {
		if err := writeValue(dir, v); err != nil {
			return nil, m.remove(err)
		}
	}
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, m.remove(&Error{Op: "open", Path: dir, Err: err})
	}
	m.fd = fd
	return m, nil
}

// enableControllers writes "+c" for each of want that is not yet in
// parent's cgroup.subtree_control, so that parent's children get them, as
// runc does. If parent has processes (EBUSY: the "no internal processes"
// rule) and self is set, parent is the caller's own cgroup: its processes
// move to the leaf parent/lockbox-supervisor and the write is retried.
func enableControllers(parent string, want []string, self bool) error {
	enableMu.Lock()
	defer enableMu.Unlock()
	sc := filepath.Join(parent, "cgroup.subtree_control")
	for attempt := 0; ; attempt++ {
		have, err := readList(sc)
		if err != nil {
			return err
		}
		var add []string
		for _, c := range want {
			if !slices.Contains(have, c) {
				add = append(add, "+"+c)
			}
		}
		if len(add) == 0 {
			return nil
		}
		err = writeFile(sc, strings.Join(add, " "))
		if err == nil {
			return nil
		}
		e := &Error{Op: "enable controllers " + quote(strings.Join(add, " ")) + " in", Path: sc, Err: errno(err)}
		switch errno(err) {
		case unix.EACCES, unix.EPERM, unix.EROFS:
			e.Hint = hintDelegate
			return e
		case unix.EBUSY:
			if self && attempt < 3 {
				if err := moveToSupervisor(parent); err != nil {
					return err
				}
				continue
			}
			if self {
				e.Hint = "processes keep appearing in the caller's cgroup while lockbox moves them to " +
					filepath.Join(parent, supervisorName)
			} else {
				e.Hint = "the parent has processes, and cgroup v2 lets only a cgroup without processes " +
					"hand controllers to its children (\"no internal processes\"): choose an empty parent, " +
					"or move its processes into a leaf cgroup first"
			}
		}
		return e
	}
}

// moveToSupervisor moves every process of parent into the leaf
// parent/lockbox-supervisor, created if needed and never removed by this
// package.
func moveToSupervisor(parent string) error {
	sup := filepath.Join(parent, supervisorName)
	if err := os.Mkdir(sup, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return &Error{Op: "mkdir", Path: sup, Err: errno(err), Hint: hintDelegate}
	}
	procs := filepath.Join(sup, "cgroup.procs")
	for round := 0; round < 10; round++ {
		pids, err := readProcs(parent)
		if err != nil || len(pids) == 0 {
			return err
		}
		for _, pid := range pids {
			if err := writeFile(procs, itoa(int64(pid))); err != nil && errno(err) != unix.ESRCH {
				return &Error{Op: "move process " + itoa(int64(pid)) + " to", Path: procs, Err: errno(err), Hint: hintDelegate}
			}
		}
	}
	return nil
}

// readList reads a space-separated list file.
func readList(p string) ([]string, error) {
	b, err := readFile(p)
	if err != nil {
		return nil, &Error{Op: "read", Path: p, Err: errno(err)}
	}
	return parseList(bytes.NewReader(b))
}

// statsV2 reads the usage of the v2 group dir.
func statsV2(dir string) (Stats, error) {
	var st Stats
	cpu, err := readKeyed(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return st, err
	}
	st.CPUUser = time.Duration(cpu["user_usec"]) * time.Microsecond
	st.CPUSystem = time.Duration(cpu["system_usec"]) * time.Microsecond
	ev, err := readKeyed(filepath.Join(dir, "memory.events"))
	if err != nil {
		return st, err
	}
	st.OOMKills = ev["oom_kill"]
	for _, f := range []struct {
		name string
		to   *uint64
	}{
		{"memory.current", &st.MemoryCurrent},
		{"memory.peak", &st.MemoryPeak},
		{"pids.current", &st.PIDsCurrent},
		{"pids.peak", &st.PIDsPeak},
	} {
		if *f.to, err = readUint(filepath.Join(dir, f.name)); err != nil {
			return st, err
		}
	}
	return st, nil
}

// freeze freezes the group until thaw is called, or returns a nil thaw
// if the kernel has no freezer for it. m.mu is held.
func (m *Manager) freeze(deadline time.Time) (thaw func() error, err error) {
	if m.v2 {
		return freezeV2(m.dirs[0].Dir, deadline)
	}
	for _, g := range m.dirs {
		if slices.Contains(g.Controllers, "freezer") {
			return freezeV1(g.Dir, deadline)
		}
	}
	return nil, nil
}

// freezeV2 freezes with cgroup.freeze (Linux 5.2) and waits, until
// deadline, for cgroup.events to say "frozen 1".
func freezeV2(dir string, deadline time.Time) (func() error, error) {
	p := filepath.Join(dir, "cgroup.freeze")
	if err := writeFile(p, "1"); err != nil {
		if errno(err) == unix.ENOENT {
			return nil, nil
		}
		return nil, &Error{Op: "freeze", Path: p, Err: errno(err)}
	}
	thaw := func() error {
		if err := writeFile(p, "0"); err != nil {
			return &Error{Op: "thaw", Path: p, Err: errno(err)}
		}
		return nil
	}
	for wait := 100 * time.Microsecond; time.Now().Before(deadline); wait = min(2*wait, 10*time.Millisecond) {
		ev, err := readKeyed(filepath.Join(dir, "cgroup.events"))
		if err != nil || ev["frozen"] == 1 {
			break
		}
		time.Sleep(wait)
	}
	return thaw, nil
}
