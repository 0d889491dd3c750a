//go:build linux

package nsenter

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/caps"
	"github.com/lockbox-dev/lockbox/internal/spec"
	"github.com/lockbox-dev/lockbox/internal/sys"
	"github.com/lockbox-dev/lockbox/seccomp"
)

// execProgram applies the program's per-process and per-thread state and
// calls execve(2). It runs on the locked main thread, inside the new root,
// and returns only on failure. The order matters:
//
//   - chdir and PATH lookup first, while the init may still read anything;
//   - descriptors past the program's are marked close-on-exec (CVE-2024-21626:
//     no host directory fd may survive into the program);
//   - groups, gid, then uid (setgroups and setgid need CAP_SETGID);
//   - the parent-death signal again, since a credential change clears it;
//   - capabilities after the uid change (PR_SET_KEEPCAPS keeps them over it);
//   - rlimits late, so that a small RLIMIT_AS or RLIMIT_DATA cannot starve
//     this Go process before execve (the supervisor checked they only lower
//     limits, which needs no capability);
//   - no_new_privs, then seccomp last, so the filter need only allow execve.
func execProgram(p *spec.Program) error {
	dir := p.Dir
	if dir == "" {
		dir = "/"
	}
	if err := unix.Chdir(dir); err != nil {
		return fail("chdir", dir, err)
	}
	path, err := lookPath(p.Path, p.Env)
	if err != nil {
		return err
	}
	if err := unix.CloseRange(uint(p.NFiles), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fail("close_range", "", err)
	}
	if err := setIdentity(p); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fail("prctl PR_SET_PDEATHSIG", "", err)
	}
	if os.Getppid() == 0 {
		return fail("check parent", "", errors.New("the supervisor is gone"))
	}
	if err := applyCaps(p); err != nil {
		return err
	}
	return execFinal(p, path)
}

// execFinal does the last steps: rlimits, no_new_privs, seccomp, execve.
// They are prepared first and run without allocating (see sys.Exec): a
// small RLIMIT_AS or RLIMIT_DATA would otherwise starve this Go process, and
// the filter need allow only execve.
func execFinal(p *spec.Program, path string) error {
	e, err := sys.NewExec(path, p.Args, p.Env)
	if err != nil {
		return fail("exec", p.Path, err)
	}
	for _, r := range p.Rlimits {
		e.AddRlimit(r.Resource, r.Cur, r.Max)
	}
	if len(p.Seccomp) > 0 {
		var prog seccomp.Program
		if err := prog.UnmarshalBinary(p.Seccomp); err != nil {
			return fail("seccomp", "", err)
		}
		e.SetFilter(prog.SockFilters())
	}
	// Nothing may allocate from here on: no collection, no profiling.
	debug.SetGCPercent(-1)
	runtime.MemProfileRate = 0
	step, errno := e.Run()
	if step != "exec" {
		return fail(step, "", errno)
	}
	return &stepError{step: step, path: p.Path, err: errno, notFound: errno == unix.ENOENT}
}

// setIdentity sets the supplementary groups, the gid and the uid, in that
// order. The syscall package's wrappers act on every thread of the process
// (Go 1.16+), so no thread keeps root by accident.
func setIdentity(p *spec.Program) error {
	if err := keepCapsAcrossSetuid(p); err != nil {
		return err
	}
	groups := p.Groups
	if groups == nil {
		groups = []int{}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fail("setgroups", "", err)
	}
	if err := syscall.Setresgid(p.GID, p.GID, p.GID); err != nil {
		return fail("setresgid", "", err)
	}
	if err := syscall.Setresuid(p.UID, p.UID, p.UID); err != nil {
		return fail("setresuid", "", err)
	}
	return nil
}

// lookPath finds name the way execvp(3) would, in the program's own PATH and
// inside the sandbox's view. A name with a slash is used as it is.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathEnv := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, name)
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Mode&0o111 != 0 {
			return path, nil
		}
	}
	return "", &stepError{step: "exec", path: name, err: unix.ENOENT, notFound: true}
}

// keepCapsAcrossSetuid sets PR_SET_KEEPCAPS on this thread before a
// switch to a non-zero uid, even when no capability is kept: without it the
// thread loses CAP_SETPCAP and could no longer drop the bounding set.
func keepCapsAcrossSetuid(p *spec.Program) error {
	if p.UID == 0 {
		return nil
	}
	return fail("prctl PR_SET_KEEPCAPS", "", caps.SetKeepCaps(true))
}

// applyCaps makes all five capability sets of this thread exactly the kept
// set, so that they survive execve even for a non-root uid.
func applyCaps(p *spec.Program) error {
	return fail("capabilities", caps.Set(p.Caps).String(), caps.ApplyToThread(caps.Set(p.Caps)))
}
