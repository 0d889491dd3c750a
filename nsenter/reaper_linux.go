//go:build linux

package nsenter

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// forwarded are the signals pid 1 passes on to the program. The kernel
// drops a signal sent to a namespace's pid 1 unless pid 1 handles it, so the
// program, as pid 2, gets SIGTERM and friends even when it installs no
// handler. SIGKILL and SIGSTOP sent to pid 1 from outside end or stop the
// whole sandbox.
var forwarded = []os.Signal{
	unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGUSR1,
	unix.SIGUSR2, unix.SIGALRM, unix.SIGWINCH, unix.SIGCONT, unix.SIGTSTP,
	unix.SIGTTIN, unix.SIGTTOU, unix.SIGPWR, unix.SIGXCPU, unix.SIGVTALRM,
	unix.SIGPROF,
}

// A helper is pid 1's child that becomes the program: a re-exec of the
// host binary (spec.ExecArg0) which sets the per-thread state on its own
// main thread and calls execve. It is started before pid 1 builds the root so
// that its runtime start-up overlaps that work.
type helper struct {
	pid     int
	specW   *os.File
	statusR *os.File
	sigc    chan os.Signal
}

// startHelper forks the exec helper with the program's descriptors
// 0..nfiles-1, plus its spec and status pipes at nfiles and nfiles+1.
func startHelper(nfiles int) (*helper, error) {
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, fail("pipe", "", err)
	}
	defer specR.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		specW.Close()
		return nil, fail("pipe", "", err)
	}
	defer statusW.Close()

	files := make([]uintptr, nfiles+2)
	for fd := range nfiles {
		files[fd] = uintptr(fd)
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			files[fd] = ^uintptr(0) // a nil ExtraFiles entry: closed in the program too
		}
	}
	files[nfiles], files[nfiles+1] = specR.Fd(), statusW.Fd()

	// Notify before the fork so that no SIGCHLD is lost.
	sigc := make(chan os.Signal, 64)
	signal.Notify(sigc, append([]os.Signal{unix.SIGCHLD}, forwarded...)...)

	pid, err := syscall.ForkExec("/proc/self/exe",
		[]string{spec.ExecArg0, strconv.Itoa(nfiles), strconv.Itoa(nfiles + 1)},
		&syscall.ProcAttr{
			Env:   []string{},
			Files: files,
			Sys: &syscall.SysProcAttr{
				Setsid:    true, // its own session and process group, without a terminal
				Pdeathsig: unix.SIGKILL,
			},
		})
	if err != nil {
		specW.Close()
		statusR.Close()
		return nil, fail("start exec helper", "/proc/self/exe", err)
	}
	return &helper{pid: pid, specW: specW, statusR: statusR, sigc: sigc}, nil
}

// run sends the program's spec to the helper, reports to the supervisor
// whether the program started, then stays as the reaper until the program
// exits. It never returns: pid 1's exit makes the kernel kill every process
// left in the namespace.
func (h *helper) run(p *spec.Program, status *os.File) error {
	b, err := json.Marshal(p)
	if err == nil {
		_, err = h.specW.Write(b)
	}
	h.specW.Close()

	// The helper writes a report line when it fails; its status pipe hits
	// EOF without one when execve succeeds (the pipe is close-on-exec).
	line, rerr := bufio.NewReader(h.statusR).ReadBytes('\n')
	h.statusR.Close()
	if len(line) > 0 {
		status.Write(line) // the helper's own setup error, passed on as is
		os.Exit(125)
	}
	if err != nil {
		return fail("send program spec", "", err)
	}
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return fail("read helper status", "", rerr)
	}
	report(status, spec.Report{Kind: spec.KindStarted})

	for {
		if ws, done := h.reap(); done {
			report(status, spec.Report{Kind: spec.KindExit, WaitStatus: uint32(ws)})
			code := ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
			os.Exit(code)
		}
		if s := <-h.sigc; s != unix.SIGCHLD {
			unix.Kill(h.pid, s.(syscall.Signal))
		}
	}
}

// reap collects every child that has exited (orphans are re-parented to
// pid 1) and reports whether one of them was the program.
func (h *helper) reap() (unix.WaitStatus, bool) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return 0, false
		}
		if pid == h.pid {
			return ws, true
		}
	}
}
