//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// killTimeout bounds how long Kill and Delete try to empty the group.
const killTimeout = 10 * time.Second

// A Manager is one group, made by [New] for one run. Its methods are safe
// for concurrent use; Kill and Delete hold the Manager while they wait.
//
// The caller must call [Manager.Delete] when the run is over.
type Manager struct {
	v2 bool

	// mu protects dirs, fd and deleted.
	mu sync.Mutex

	// dirs are the directories New made, in the order it made them: on v2
	// the group; on v1 one per hierarchy used. Delete removes them in
	// reverse order and drops each one it removed.
	dirs []group

	// path is what Path returns: the v2 group, or the v1 memory group.
	path string

	// fd is the v2 group directory opened O_DIRECTORY|O_CLOEXEC for
	// CLONE_INTO_CGROUP; -1 on v1 and after Delete.
	fd int

	deleted bool
}

// A group is one directory of the group: the v2 group, or the group in one
// v1 hierarchy with the controllers of that hierarchy.
type group struct {
	Dir         string
	Controllers []string // v1 only
}

// New creates a group named "lockbox-<random>" under opts.Parent, sets
// opts.Resources on it and returns its Manager. If any step fails, New
// removes every directory it created and returns the error: a
// *[ResourceError] list for invalid Resources, an *[Error] otherwise.
//
// On cgroup v2, New may move the caller's processes into a leaf cgroup (see
// the package doc, "Side effects on cgroup v2").
//
// The caller must call [Manager.Delete] when the run is over.
func New(opts Options) (*Manager, error) { return newNamed(opts, randomName()) }

// newNamed is New with the group's name given.
func newNamed(opts Options, name string) (*Manager, error) {
	if err := opts.Resources.Validate(); err != nil {
		return nil, err
	}
	if err := checkParentPath(opts.Parent); err != nil {
		return nil, err
	}
	layout := Mode()
	if layout == Unavailable {
		return nil, &Error{Op: "new", Path: "/sys/fs/cgroup", Err: ErrUnsupported,
			Hint: "no cgroup hierarchy is mounted"}
	}
	pc, ms, err := readSelf()
	if err != nil {
		return nil, err
	}
	if layout == Unified {
		return newV2(ms, pc, opts, name)
	}
	return newV1(ms, pc, opts, name)
}

// Path returns the group's directory: on cgroup v2 the group, on v1 the
// group in the memory hierarchy (in the first hierarchy used when memory is
// not mounted). It is meant for error messages and tests.
func (m *Manager) Path() string { return m.path }

// FD returns a descriptor of the cgroup v2 group's directory, opened
// O_DIRECTORY|O_CLOEXEC, and true; on cgroup v1, or after Delete, -1 and
// false. Pass it to os/exec as
//
//	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
//
// so that the child starts in the group (clone3 with CLONE_INTO_CGROUP,
// Linux 5.7): no instruction of the child runs outside it. The descriptor
// belongs to m: it stays valid until Delete closes it; do not close it.
func (m *Manager) FD() (fd int, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd < 0 {
		return -1, false
	}
	return m.fd, true
}

// AddProc moves process pid (all its threads) into the group: on cgroup v1
// into every hierarchy's group, on v2 into the group (a fallback for when
// [Manager.FD] cannot be used). Only pid moves: its children stay where
// they are, so add a process before it forks, e.g. while it waits on a pipe.
func (m *Manager) AddProc(pid int) error {
	if pid <= 0 {
		return &Error{Op: "add process", Path: m.path, Err: fmt.Errorf("bad pid %d", pid)}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deleted {
		return ErrDeleted
	}
	for _, g := range m.dirs {
		p := filepath.Join(g.Dir, "cgroup.procs")
		if err := writeFile(p, itoa(int64(pid))); err != nil {
			return &Error{Op: "add process " + itoa(int64(pid)) + " to", Path: p, Err: errno(err)}
		}
	}
	return nil
}

// Stats returns the group's usage so far. Read it after the run's processes
// have exited and before Delete to get the whole run's usage.
func (m *Manager) Stats() (Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deleted {
		return Stats{}, ErrDeleted
	}
	if m.v2 {
		return statsV2(m.dirs[0].Dir)
	}
	return statsV1(m)
}

// Kill kills every process in the group with SIGKILL and waits until the
// group is empty, at most 10 s. On cgroup v2 it writes cgroup.kill (Linux
// 5.14); where that file does not exist it freezes the group (v2
// cgroup.freeze, Linux 5.2; v1 the freezer hierarchy, when mounted), sends
// SIGKILL to each process in cgroup.procs and thaws it, until the group is
// empty. Without a freezer, a process that forks fast enough may need
// several rounds.
func (m *Manager) Kill() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deleted {
		return ErrDeleted
	}
	return m.kill(time.Now().Add(killTimeout))
}

// kill implements Kill. m.mu is held.
func (m *Manager) kill(deadline time.Time) error {
	if m.v2 {
		p := filepath.Join(m.dirs[0].Dir, "cgroup.kill")
		switch err := writeFile(p, "1"); {
		case err == nil:
			return m.waitEmpty(deadline)
		case errno(err) != unix.ENOENT: // ENOENT: before Linux 5.14, kill one by one
			return &Error{Op: "kill", Path: p, Err: errno(err)}
		}
	}
	return m.killEach(deadline)
}

// killEach kills the group's processes one by one: freeze the group if
// there is a freezer, send SIGKILL to each process, thaw, and again until
// the group is empty or deadline. m.mu is held.
func (m *Manager) killEach(deadline time.Time) error {
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		pids, err := m.procs()
		if err != nil || len(pids) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: m.path, Err: fmt.Errorf("%d processes still in the group after %v: %v", len(pids), killTimeout, pids)}
		}
		thaw, err := m.freeze(deadline)
		if err != nil {
			return err
		}
		if thaw != nil { // frozen: the list cannot grow any more
			pids, err = m.procs()
		}
		for _, pid := range pids {
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
				return &Error{Op: "kill " + itoa(int64(pid)) + " in", Path: m.path, Err: err}
			}
		}
		if thaw != nil {
			if terr := thaw(); err == nil {
				err = terr
			}
		}
		if err != nil {
			return err
		}
		time.Sleep(wait)
	}
}

// procs lists the processes in the group (on v1, in any of its
// hierarchies). m.mu is held.
func (m *Manager) procs() ([]int, error) {
	var all []int
	for _, g := range m.dirs {
		pids, err := readProcs(g.Dir)
		if err != nil {
			return nil, err
		}
		for _, p := range pids {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
	}
	return all, nil
}

// waitEmpty waits until no process is left in the group, or deadline.
func (m *Manager) waitEmpty(deadline time.Time) error {
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 20*time.Millisecond) {
		pids, err := m.procs()
		if err != nil || len(pids) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: m.path, Err: fmt.Errorf("%d processes still in the group after %v: %v", len(pids), killTimeout, pids)}
		}
		time.Sleep(wait)
	}
}

// Delete kills what is left in the group (see [Manager.Kill]), waits until
// it is empty and removes every directory New created; on v1, memory
// groups may linger in the kernel as "dying" for a while after that, which
// is harmless. It closes the descriptor returned by FD, whatever its
// outcome. Calling Delete again after it succeeded does nothing and returns
// nil; after a failure, it tries again what is left.
func (m *Manager) Delete() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd >= 0 {
		unix.Close(m.fd)
		m.fd = -1
	}
	if m.deleted {
		return nil
	}
	m.deleted = true // from here on, Stats, AddProc and Kill refuse
	deadline := time.Now().Add(killTimeout)
	var errs []error
	if pids, err := m.procs(); err != nil || len(pids) > 0 {
		if err := m.kill(deadline); err != nil {
			errs = append(errs, err)
		}
	}
	for i := len(m.dirs) - 1; i >= 0; i-- {
		if err := rmdirGroup(m.dirs[i].Dir, deadline); err != nil {
			errs = append(errs, err)
			continue
		}
		m.dirs = append(m.dirs[:i], m.dirs[i+1:]...)
	}
	if len(errs) > 0 {
		m.deleted = len(m.dirs) == 0
		return errors.Join(errs...)
	}
	return nil
}

// remove undoes a partial New: removes the directories made so far. The
// group has no process yet.
func (m *Manager) remove(cause error) error {
	if m.fd >= 0 {
		unix.Close(m.fd)
		m.fd = -1
	}
	deadline := time.Now().Add(time.Second)
	errs := []error{cause}
	for i := len(m.dirs) - 1; i >= 0; i-- {
		if err := rmdirGroup(m.dirs[i].Dir, deadline); err != nil {
			errs = append(errs, err)
		}
	}
	m.dirs, m.deleted = nil, true
	if len(errs) == 1 {
		return cause
	}
	return errors.Join(errs...)
}
