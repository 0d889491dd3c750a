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

	"github.com/lockbox-dev/lockbox/internal/spec"
)

const rlimitCore = unix.RLIMIT_CORE

// A run is a started sandbox: the init process and the supervisor's ends of
// its pipes.
type run struct {
	inner   *exec.Cmd
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
		SysProcAttr: c.sysProcAttr(),
		WaitDelay:   c.WaitDelay,
	}
	r := &run{inner: inner, statusR: statusR, reports: bufio.NewReader(statusR), done: make(chan struct{})}
	r.started = time.Now()
	err = onForkThread(inner.Start)
	specR.Close()
	statusW.Close()
	if err != nil {
		specW.Close()
		statusR.Close()
		return &SetupError{Step: "start init", Path: inner.Path, Err: err}
	}
	c.run = r
	if c.ctx != nil {
		go c.watch(r)
	}

	b, err := json.Marshal(s)
	if err == nil {
		_, err = specW.Write(b) // EPIPE if the init died: its report or EOF says why
	}
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
	r.inner.Process.Kill()
	r.inner.Wait()
	close(r.done)
	r.statusR.Close()
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

// kill ends the whole sandbox: SIGKILL to pid 1 kills every process of its
// pid namespace.
func (r *run) kill() {
	r.inner.Process.Kill()
}

func (c *Cmd) wait() error {
	r := c.run
	werr := r.inner.Wait()
	wall := time.Since(r.started)
	r.kill() // no-op unless the pid namespace is shared
	close(r.done)
	rep, _ := r.next()
	r.statusR.Close()

	st := r.inner.ProcessState
	c.ProcessState = st
	ws := st.Sys().(syscall.WaitStatus)
	if rep != nil && rep.Kind == spec.KindExit {
		ws = syscall.WaitStatus(rep.WaitStatus)
	}
	res := &Result{WallTime: wall, UserTime: st.UserTime(), SystemTime: st.SystemTime()}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		res.PeakMemory = ru.Maxrss << 10
	}
	if ws.Signaled() {
		res.ExitCode, res.Signal = -1, ws.Signal()
	} else {
		res.ExitCode = ws.ExitStatus()
	}
	r.mu.Lock()
	ctxErr := r.ctxErr
	r.mu.Unlock()
	res.TimedOut = errors.Is(ctxErr, context.DeadlineExceeded)
	c.Result = res

	if res.ExitCode != 0 {
		return &ExitError{ProcessState: st, Code: res.ExitCode, Signal: res.Signal, Context: ctxErr}
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) {
		return werr // copying Stdin/Stdout/Stderr failed, or WaitDelay ran out
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
