//go:build linux

package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/cgroup"
	"github.com/lockbox-dev/lockbox/internal/spec"
)

// The setrlimit(2) resources of Rlimits.
const (
	rlimitNofile = unix.RLIMIT_NOFILE
	rlimitNproc  = unix.RLIMIT_NPROC
	rlimitFsize  = unix.RLIMIT_FSIZE
	rlimitCPU    = unix.RLIMIT_CPU
	rlimitAS     = unix.RLIMIT_AS
	rlimitData   = unix.RLIMIT_DATA
	rlimitStack  = unix.RLIMIT_STACK
	rlimitCore   = unix.RLIMIT_CORE
)

// hardLimit returns the caller's own hard limit of resource.
func hardLimit(resource int) (uint64, error) {
	var r unix.Rlimit
	err := unix.Getrlimit(resource, &r)
	return r.Max, err
}

// A run is a started sandbox: the init process and the supervisor's ends of
// its pipes.
type run struct {
	inner   *exec.Cmd
	cgroup  *cgroup.Manager // the run's cgroup, removed by Wait
	statusR *os.File
	reports *bufio.Reader
	started time.Time
	done    chan struct{} // closed when Wait has reaped the init

	mu     sync.Mutex
	ctxErr error // set when the context's end killed the sandbox
}

func (c *Cmd) start() error {
	s, err := c.prepare()
	if err != nil {
		return err
	}
	specR, specW, err := os.Pipe()
	if err != nil {
		return &SetupError{Step: "pipe", Err: err}
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		specR.Close()
		specW.Close()
		return &SetupError{Step: "pipe", Err: err}
	}
	cg, err := cgroup.New(c.Resources.cgroup())
	if err != nil {
		specR.Close()
		specW.Close()
		statusR.Close()
		statusW.Close()
		return &SetupError{Step: "cgroup", Err: err}
	}
	attr := c.sysProcAttr()
	if fd, ok := cg.FD(); ok {
		attr.UseCgroupFD, attr.CgroupFD = true, fd // v2: born in its cgroup
	}
	nfiles := 3 + len(c.ExtraFiles)
	inner := &exec.Cmd{
		Path: "/proc/self/exe",
		// The init finds its pipes right after the program's descriptors.
		Args:        []string{spec.InitArg0, strconv.Itoa(nfiles), strconv.Itoa(nfiles + 1)},
		Env:         []string{},
		Dir:         "/",
		Stdin:       c.Stdin,
		Stdout:      c.Stdout,
		Stderr:      c.Stderr,
		ExtraFiles:  append(slices.Clip(c.ExtraFiles), specR, statusW),
		SysProcAttr: attr,
		WaitDelay:   c.WaitDelay,
	}
	r := &run{inner: inner, cgroup: cg, statusR: statusR, reports: bufio.NewReader(statusR), done: make(chan struct{})}
	r.started = time.Now()
	err = onForkThread(inner.Start)
	specR.Close()
	statusW.Close()
	if err != nil {
		specW.Close()
		statusR.Close()
		cg.Delete()
		return &SetupError{Step: "start init", Path: inner.Path, Err: err}
	}
	if _, ok := cg.FD(); !ok {
		// v1: the init waits for its spec, so it runs nothing of the
		// program's before it is in the cgroup.
		if err := cg.AddProc(inner.Process.Pid); err != nil {
			specW.Close()
			r.stop()
			return &SetupError{Step: "cgroup", Path: cg.Path(), Err: err}
		}
	}
	c.run = r
	if c.ctx != nil {
		go c.watch(r)
	}

	b, err := json.Marshal(s)
	if err != nil { // a spec is plain data: this does not happen
		specW.Close()
		r.stop()
		c.run, c.Process = nil, nil
		return &SetupError{Step: "encode spec", Err: err}
	}
	specW.Write(b) // EPIPE if the init died: its report or EOF says why
	specW.Close()

	rep, rerr := r.next()
	switch {
	case rep != nil && rep.Kind == spec.KindStarted:
		// pid 1 started the program.
	case rep == nil && errors.Is(rerr, io.EOF) && !s.PID1:
		// The init exec'd the program in place: execve closed the pipe.
	default:
		err := setupError(rep, rerr)
		r.stop()
		if ctxErr := r.contextErr(); ctxErr != nil {
			err = fmt.Errorf("sandbox: %w before the program started", ctxErr)
		}
		c.run, c.Process = nil, nil
		return err
	}
	c.Process = inner.Process
	return nil
}

// setupError turns the init's first report (or its absence) into the error
// Start returns.
func setupError(rep *spec.Report, rerr error) error {
	if rep == nil || rep.Kind != spec.KindError {
		if rerr == nil || errors.Is(rerr, io.EOF) {
			rerr = errors.New("the init exited before the program started")
		}
		return &SetupError{Step: "init", Err: rerr}
	}
	var err error = errors.New(rep.Msg)
	if rep.Errno != 0 {
		err = syscall.Errno(rep.Errno)
	}
	if rep.NotFound {
		err = fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return &SetupError{Step: rep.Step, Path: rep.Path, Err: err}
}

// stop kills and reaps an init whose set-up failed, so nothing is left.
func (r *run) stop() {
	r.kill()
	r.inner.Wait()
	close(r.done)
	r.statusR.Close()
	r.cgroup.Delete()
}

// next reads one report from the init; nil at EOF.
func (r *run) next() (*spec.Report, error) {
	line, err := r.reports.ReadBytes('\n')
	if len(line) == 0 {
		return nil, err
	}
	var rep spec.Report
	if err := json.Unmarshal(line, &rep); err != nil {
		return nil, fmt.Errorf("bad report from the init: %w", err)
	}
	return &rep, nil
}

// watch ends the sandbox when the context is done before Wait returns:
// SIGTERM (passed on to the program by pid 1), GracePeriod, then SIGKILL.
func (c *Cmd) watch(r *run) {
	select {
	case <-r.done:
		return
	case <-c.ctx.Done():
	}
	r.mu.Lock()
	r.ctxErr = c.ctx.Err()
	r.mu.Unlock()
	if c.GracePeriod > 0 {
		r.inner.Process.Signal(syscall.SIGTERM)
		t := time.NewTimer(time.Duration(c.GracePeriod))
		defer t.Stop()
		select {
		case <-r.done:
			return
		case <-t.C:
		}
	}
	r.kill()
}

// contextErr is the context's error if its end killed the sandbox.
func (r *run) contextErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ctxErr
}

// kill ends the whole sandbox: SIGKILL to pid 1 kills every process of its
// pid namespace, and killing the cgroup gets the rest (a shared pid
// namespace, processes on their way out).
func (r *run) kill() {
	r.inner.Process.Kill()
	r.cgroup.Kill()
}

func (c *Cmd) wait() error {
	r := c.run
	werr := r.inner.Wait()
	wall := time.Since(r.started)
	r.cgroup.Kill() // no-op unless the pid namespace is shared
	close(r.done)
	stats, serr := r.cgroup.Stats()
	derr := r.cgroup.Delete()
	rep, _ := r.next()
	r.statusR.Close()

	st := r.inner.ProcessState
	c.ProcessState = st
	ws := st.Sys().(syscall.WaitStatus)
	if rep != nil && rep.Kind == spec.KindExit {
		ws = syscall.WaitStatus(rep.WaitStatus)
	}
	res := &Result{WallTime: wall, UserTime: st.UserTime(), SystemTime: st.SystemTime()}
	if serr == nil {
		res.UserTime, res.SystemTime = stats.CPUUser, stats.CPUSystem
		res.PeakMemory = int64(stats.MemoryPeak)
		res.OOMKilled = stats.OOMKills > 0
	} else if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		res.PeakMemory = ru.Maxrss << 10
	}
	if ws.Signaled() {
		res.ExitCode, res.Signal = -1, ws.Signal()
	} else {
		res.ExitCode = ws.ExitStatus()
	}
	ctxErr := r.contextErr()
	res.TimedOut = errors.Is(ctxErr, context.DeadlineExceeded)
	c.Result = res

	if res.ExitCode != 0 {
		return &ExitError{ProcessState: st, Code: res.ExitCode, Signal: res.Signal, Context: ctxErr}
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) {
		return werr // copying Stdin/Stdout/Stderr failed, or WaitDelay ran out
	}
	if derr != nil {
		return &SetupError{Step: "cgroup delete", Path: r.cgroup.Path(), Err: derr}
	}
	return nil
}

// sysProcAttr is how the init is cloned: every namespace at clone time (a
// Go process is multithreaded, so unshare and setns are not an option), a
// new session with no terminal, and death with the caller.
func (c *Cmd) sysProcAttr() *syscall.SysProcAttr {
	flags := uintptr(unix.CLONE_NEWNS)
	if !c.Namespaces.SharePID {
		flags |= unix.CLONE_NEWPID
	}
	if !c.Namespaces.ShareUTS {
		flags |= unix.CLONE_NEWUTS
	}
	if !c.Namespaces.ShareIPC {
		flags |= unix.CLONE_NEWIPC
	}
	if !c.Namespaces.ShareCgroup {
		flags |= unix.CLONE_NEWCGROUP
	}
	if c.Network.Mode == NetworkNone {
		flags |= unix.CLONE_NEWNET
	}
	attr := &syscall.SysProcAttr{
		Cloneflags: flags,
		Setsid:     true,
		Pdeathsig:  syscall.SIGKILL,
	}
	if c.userNS() {
		attr.Cloneflags |= unix.CLONE_NEWUSER
		uid, gid := os.Geteuid(), os.Getegid()
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}}
		if uid == 0 {
			id := c.Identity
			if !id.Root {
				attr.UidMappings = append(attr.UidMappings, idMap(id.UID))
				attr.GidMappings = append(attr.GidMappings, idMap(id.GID))
			}
			for _, g := range id.Groups {
				if g != 0 && g != id.GID && (id.GID != 0 || g != nobody) {
					attr.GidMappings = append(attr.GidMappings, idMap(g))
				}
			}
			attr.GidMappingsEnableSetgroups = true
		}
	}
	return attr
}

// idMap maps an id (0 meaning nobody) to itself.
func idMap(id int) syscall.SysProcIDMap {
	if id == 0 {
		id = nobody
	}
	return syscall.SysProcIDMap{ContainerID: id, HostID: id, Size: 1}
}

// forkRequests feeds the one goroutine, locked to its thread for the life of
// the process, that starts every init. The init's parent-death signal fires
// when the thread that forked it exits (golang/go#27505), so that thread
// must never exit while a sandbox runs.
var forkRequests = sync.OnceValue(func() chan func() {
	ch := make(chan func())
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as the process
		for f := range ch {
			f()
		}
	}()
	return ch
})

// onForkThread runs start on the forking thread.
func onForkThread(start func() error) error {
	done := make(chan error, 1)
	forkRequests() <- func() { done <- start() }
	return <-done
}

// isTerminal reports whether v is an *os.File open on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok || f == nil {
		return false
	}
	rc, err := f.SyscallConn() // not f.Fd(): that would make the caller's file blocking
	if err != nil {
		return false
	}
	tty := false
	rc.Control(func(fd uintptr) {
		_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		tty = err == nil
	})
	return tty
}
