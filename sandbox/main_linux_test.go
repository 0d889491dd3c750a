//go:build linux

package sandbox_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/sandbox"
)

// helperEnv names the role the test binary plays when it runs as a helper:
// inside a sandbox (bound at selfInside), or as a parent process of a test.
const (
	helperEnv  = "LOCKBOX_TEST_HELPER"
	selfInside = "/lockbox-test"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	// Start the runtime's poller (an epoll fd and an eventfd) now, so that
	// leak checks do not count it.
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(runHelper(role, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runHelper runs the test binary as a helper and returns its exit status.
func runHelper(role string, args []string) int {
	switch role {
	case "fds": // inside: the descriptors this process has
		dir, err := os.Open("/proc/self/fd")
		if err != nil {
			fmt.Println(err)
			return 1
		}
		names, err := dir.Readdirnames(-1)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		var fds []string
		for _, name := range names {
			dst, _ := os.Readlink("/proc/self/fd/" + name)
			if strings.HasSuffix(dst, "/fd") || dst == "anon_inode:[eventpoll]" || dst == "anon_inode:[eventfd]" {
				continue // the directory being read, and the Go runtime's poller
			}
			fds = append(fds, name)
		}
		dir.Close()
		slices.SortFunc(fds, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		})
		fmt.Println(strings.Join(fds, " "))
	case "tiocsti": // inside: push a byte into the terminal on stdin
		err := unix.IoctlSetPointerInt(0, unix.TIOCSTI, int('x'))
		fmt.Println(errnoName(err))
	case "exe": // inside: reach the host binary through /proc/1/exe
		for _, flag := range []int{unix.O_WRONLY, unix.O_RDONLY, unix.O_PATH} {
			fd, err := unix.Open("/proc/1/exe", flag|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
			}
			fmt.Print(errnoName(err), " ")
		}
		_, err := os.Readlink("/proc/1/exe")
		fmt.Println(errnoName(errors.Unwrap(err)))
	case "syscalls": // inside: dangerous system calls with harmless arguments
		for _, c := range dangerousCalls {
			fmt.Printf("%s=%s\n", c.name, errnoName(c.call()))
		}
	case "hog": // inside: touch 1 GiB of memory, a page at a time
		b := make([]byte, 1<<30)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println(len(b))
	case "ctty-parent": // outside: a session whose controlling terminal is a pty
		return cttyParent()
	case "orphan-parent": // outside: start a sandbox, print its init's pid, hang
		cmd := sandbox.Command("sleep", "1000")
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			return 1
		}
		fmt.Println(cmd.Process.Pid)
		time.Sleep(time.Hour)
	default:
		fmt.Fprintln(os.Stderr, "unknown helper", role)
		return 2
	}
	return 0
}

func errnoName(err error) string {
	if err == nil {
		return "ok"
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

// selfBind makes the test binary available inside a sandbox at selfInside.
func selfBind(t *testing.T) sandbox.Mount {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return sandbox.Bind(exe, selfInside)
}

// helperCmd returns a Cmd that runs the test binary inside a sandbox as the
// helper role.
func helperCmd(t *testing.T, role string) *sandbox.Cmd {
	cmd := sandbox.Command(selfInside)
	cmd.Env = []string{helperEnv + "=" + role}
	cmd.Filesystem.Mounts = []sandbox.Mount{selfBind(t)}
	return cmd
}

// output runs cmd and returns its trimmed stdout, failing t on any error.
func output(t *testing.T, cmd *sandbox.Cmd) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\nstderr: %s", cmd.Args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func sh(script string) *sandbox.Cmd { return sandbox.Command("/bin/sh", "-c", script) }

// pidNS returns the pid namespace of a host process, e.g. "pid:[4026532]".
func pidNS(pid int) (string, error) { return os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)) }

// processesIn lists the host pids whose pid namespace is ns.
func processesIn(ns string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if got, err := pidNS(pid); err == nil && got == ns {
			pids = append(pids, pid)
		}
	}
	return pids
}

// leakCheck records the caller's descriptors and mounts, and on cleanup
// fails t if either changed.
func leakCheck(t *testing.T) {
	t.Helper()
	fds, mounts := countFDs(t), readMounts(t)
	t.Cleanup(func() {
		if got := countFDs(t); got != fds {
			t.Errorf("descriptors: %d before, %d after", fds, got)
		}
		if got := readMounts(t); got != mounts {
			t.Errorf("the caller's mount table changed:\nbefore:\n%s\nafter:\n%s", mounts, got)
		}
	})
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func readMounts(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func waitGone(t *testing.T, pid int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still alive after %v", pid, d)
}

// cttyParent runs with a pty as its controlling terminal (see
// TestNoTerminalInjection): it shows TIOCSTI works for itself, then asks a
// sandboxed program, given the same terminal as stdin, to do the same.
func cttyParent() int {
	fmt.Println("outside", errnoName(unix.IoctlSetPointerInt(0, unix.TIOCSTI, int('x'))))
	exe, _ := os.Executable()
	cmd := sandbox.Command(selfInside)
	cmd.Env = []string{helperEnv + "=tiocsti"}
	cmd.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind(exe, selfInside)}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	fmt.Print("inside ")
	if err := cmd.Run(); err != nil {
		fmt.Println("error", err)
		return 1
	}
	return 0
}

// dangerousCalls are the calls a default sandbox refuses, each with
// arguments that would do no harm if it went through. unshare(CLONE_NEWUSER)
// comes last: it succeeds without the filter and changes what follows.
var dangerousCalls = []struct {
	name string
	call func() error
}{
	{"mount", func() error { return unix.Mount("none", "/nonexistent", "tmpfs", 0, "") }},
	{"umount2", func() error { return unix.Unmount("/nonexistent", 0) }},
	{"setns", func() error { return unix.Setns(-1, 0) }},
	{"pivot_root", func() error { return unix.PivotRoot("/nonexistent", "/nonexistent") }},
	{"chroot", func() error { return unix.Chroot("/nonexistent") }},
	{"keyctl", func() error { _, err := unix.KeyctlInt(unix.KEYCTL_GET_KEYRING_ID, -99, 0, 0, 0); return err }},
	{"add_key", func() error { _, err := unix.AddKey("lockbox-no-such-type", "x", nil, 0); return err }},
	{"kexec_load", func() error { return rawCall(unix.SYS_KEXEC_LOAD, 0, 0, 0) }},
	{"init_module", func() error { return rawCall(unix.SYS_INIT_MODULE, 0, 0, 0) }},
	{"finit_module", func() error { return rawCall(unix.SYS_FINIT_MODULE, ^uintptr(0), 0, 0) }},
	{"delete_module", func() error { return rawCall(unix.SYS_DELETE_MODULE, 0, 0, 0) }},
	{"bpf", func() error { return rawCall(unix.SYS_BPF, ^uintptr(0), 0, 0) }},
	{"perf_event_open", func() error { return rawCall(unix.SYS_PERF_EVENT_OPEN, 0, 0, ^uintptr(0)) }},
	{"userfaultfd", func() error { return rawCall(unix.SYS_USERFAULTFD, 1<<30, 0, 0) }},
	{"open_by_handle_at", func() error { return rawCall(unix.SYS_OPEN_BY_HANDLE_AT, ^uintptr(0), 0, 0) }},
	{"io_uring_setup", func() error { return rawCall(unix.SYS_IO_URING_SETUP, 0, 0, 0) }},
	{"reboot", func() error { return rawCall(unix.SYS_REBOOT, 0, 0, 0) }},
	{"swapon", func() error { return rawCall(unix.SYS_SWAPON, 0, 0, 0) }},
	{"clock_settime", func() error { return rawCall(unix.SYS_CLOCK_SETTIME, unix.CLOCK_REALTIME, 0, 0) }},
	{"ptrace", func() error { return unix.PtraceAttach(1) }},
	{"unshare_ns", func() error { return unix.Unshare(unix.CLONE_NEWNS) }},
	{"unshare_net", func() error { return unix.Unshare(unix.CLONE_NEWNET) }},
	{"unshare_pid", func() error { return unix.Unshare(unix.CLONE_NEWPID) }},
	{"unshare_uts", func() error { return unix.Unshare(unix.CLONE_NEWUTS) }},
	{"unshare_ipc", func() error { return unix.Unshare(unix.CLONE_NEWIPC) }},
	{"unshare_cgroup", func() error { return unix.Unshare(unix.CLONE_NEWCGROUP) }},
	{"unshare_user", func() error { return unix.Unshare(unix.CLONE_NEWUSER) }},
}

// rawCall makes a system call with integer arguments only.
func rawCall(nr, a1, a2, a3 uintptr) error {
	_, _, errno := unix.Syscall(nr, a1, a2, a3)
	if errno != 0 {
		return errno
	}
	return nil
}
