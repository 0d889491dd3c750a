//go:build linux

package nsenter

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// initMain dispatches on argv[0]: the init proper, or pid 1's exec helper.
// Both get argv[1] = the spec fd and argv[2] = the status fd; the supervisor
// (or pid 1) places them right after the program's own descriptors, so the
// spec fd number is also the number of descriptors the program keeps.
func initMain() {
	// Everything below runs on the main thread: capabilities, no_new_privs
	// and seccomp are per-thread, and execve keeps only the calling thread.
	runtime.LockOSThread()

	specFD, err1 := strconv.Atoi(os.Args[1])
	statusFD, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || specFD < 3 || statusFD != specFD+1 || !isPipe(specFD) || !isPipe(statusFD) {
		die(nil, fmt.Errorf("started as %s without the supervisor's pipes", os.Args[0]))
	}
	status := os.NewFile(uintptr(statusFD), "status")
	// The kernel named us "exe" after /proc/self/exe; say what we are in
	// ps and /proc/1/status.
	os.WriteFile("/proc/self/comm", []byte(strings.Replace(os.Args[0], ":", "-", 1)), 0)

	// While the init holds privileges it must not be ptrace-able nor expose
	// /proc/1/exe (the host binary) to the sandbox: CVE-2019-5736.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		die(status, fail("prctl PR_SET_DUMPABLE", "", err))
	}
	// Descriptors the caller leaked without O_CLOEXEC must not reach the
	// program: mark everything past ours close-on-exec (closing them could
	// pull an fd from under the Go runtime).
	if err := unix.CloseRange(uint(statusFD+1), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		die(status, fail("close_range", "", err))
	}
	unix.CloseOnExec(statusFD)

	if os.Args[0] == spec.ExecArg0 {
		var p spec.Program
		if err := readSpec(specFD, &p); err != nil {
			die(status, err)
		}
		die(status, execProgram(&p))
	}
	die(status, runInit(specFD, status))
}

// runInit is the init proper. The order is security-relevant; each step says
// why it is where it is.
func runInit(specFD int, status *os.File) error {
	pid1 := os.Getpid() == 1

	// The spec comes only once the supervisor has put this process in the
	// run's cgroup (cgroup v1), so nothing forked after this point escapes.
	var s spec.Init
	if err := readSpec(specFD, &s); err != nil {
		return err
	}
	// pid 1 starts its exec helper before building the root, so that the
	// helper's Go runtime starts while pid 1 mounts. pivot_root moves the
	// helper's root and working directory along with pid 1's.
	var h *helper
	if pid1 {
		var err error
		if h, err = startHelper(s.Program.NFiles); err != nil {
			return err
		}
	}
	if err := buildRoot(&s); err != nil { // mounts, pivot_root, /proc, /dev
		return err
	}
	if s.NewUTS {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fail("sethostname", s.Hostname, err)
		}
	}
	if s.NewNet {
		if err := loopbackUp(); err != nil {
			return fail("loopback up", "lo", err)
		}
	}
	if !pid1 {
		// No pid namespace of our own: there is nothing to reap, so the
		// init becomes the program.
		return execProgram(&s.Program)
	}
	return h.run(&s.Program, status) // never returns on success
}

// readSpec decodes the JSON message on fd until EOF, then closes fd.
func readSpec(fd int, v any) error {
	f := os.NewFile(uintptr(fd), "spec")
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return fail("read spec", "", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fail("decode spec", "", err)
	}
	return nil
}

func isPipe(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// loopbackUp sets IFF_UP on lo in the new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
