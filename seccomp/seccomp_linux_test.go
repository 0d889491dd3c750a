//go:build linux

package seccomp

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/testutil"
)

// requireSeccomp skips t unless seccomp(2) filters can be installed here.
func requireSeccomp(t *testing.T) {
	t.Helper()
	// SECCOMP_GET_ACTION_AVAIL (Linux 4.14) for KILL_PROCESS, which every
	// program from Assemble uses.
	action := uint32(retKillProcess)
	_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	if errno != 0 {
		t.Skipf("skipping: seccomp(SECCOMP_GET_ACTION_AVAIL, KILL_PROCESS) failed: %v (needs Linux 4.14 with CONFIG_SECCOMP_FILTER)", errno)
	}
}

// loadOnThisThread locks the test goroutine to its thread and loads p,
// passing the program through its wire form as the sandbox init gets it.
func loadOnThisThread(t *testing.T, p *Policy) {
	t.Helper()
	prog, err := p.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Program(prog).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var wire Program
	if err := wire.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread() // never unlocked: the thread dies with the test
	if err := Load(wire); err != nil {
		t.Fatalf("Load: %v", err)
	}
}

// threadStatus returns the fields of /proc/thread-self/status.
func threadStatus(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("/proc/thread-self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), ":")
		m[k] = strings.TrimSpace(v)
	}
	return m
}

func checkFiltered(t *testing.T) {
	t.Helper()
	st := threadStatus(t)
	if st["Seccomp"] != "2" || st["NoNewPrivs"] != "1" {
		t.Errorf("/proc/thread-self/status: Seccomp %q, NoNewPrivs %q; want 2 and 1", st["Seccomp"], st["NoNewPrivs"])
	}
}

func errnoOf(err error) error {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}

func TestLoadDenyMkdir(t *testing.T) {
	requireSeccomp(t)
	testutil.RunInSubprocess(t, func() {
		dir := t.TempDir() // before the filter: TempDir uses mkdirat
		loadOnThisThread(t, Denylist(unix.EPERM, "mkdir", "mkdirat"))

		if nr, ok, _ := mustTarget(t, "").lookup("mkdir"); ok { // not on arm64
			path, _ := unix.BytePtrFromString(filepath.Join(dir, "a"))
			if _, _, errno := unix.Syscall(uintptr(nr), uintptr(unsafe.Pointer(path)), 0o755, 0); errno != unix.EPERM {
				t.Errorf("mkdir(2) = %v, want EPERM", errno)
			}
		}
		if err := unix.Mkdirat(unix.AT_FDCWD, filepath.Join(dir, "b"), 0o755); err != unix.EPERM {
			t.Errorf("mkdirat(2) = %v, want EPERM", err)
		}
		if err := os.Mkdir(filepath.Join(dir, "c"), 0o755); errnoOf(err) != unix.EPERM {
			t.Errorf("os.Mkdir = %v, want EPERM", err)
		}
		// Everything else works.
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
			t.Errorf("WriteFile: %v", err)
		}
		if unix.Getpid() != os.Getpid() {
			t.Error("getpid")
		}
		checkFiltered(t)

		// The filter is per thread: another thread is not filtered.
		done := make(chan error)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if threadStatus(t)["Seccomp"] != "0" {
				done <- errors.New("another thread is filtered too")
				return
			}
			done <- unix.Mkdirat(unix.AT_FDCWD, filepath.Join(dir, "d"), 0o755)
		}()
		if err := <-done; err != nil {
			t.Errorf("mkdirat on another thread: %v", err)
		}
	})
}

func TestLoadDefault(t *testing.T) {
	requireSeccomp(t)
	testutil.RunInSubprocess(t, func() {
		loadOnThisThread(t, Default())
		checkFiltered(t)

		// Each call's arguments would make it fail harmlessly (with
		// another errno) without the filter.
		high := uint64(1) << 32 // garbage in the upper half of a register (64-bit only)
		name, _ := unix.BytePtrFromString("/nonexistent-lockbox")
		fstype, _ := unix.BytePtrFromString("lockbox-nofs")
		for _, tt := range []struct {
			name string
			nr   uintptr
			args [6]uintptr
			want unix.Errno
		}{
			{"unshare(CLONE_NEWUSER)", unix.SYS_UNSHARE, [6]uintptr{unix.CLONE_NEWUSER}, unix.EPERM},
			{"setns", unix.SYS_SETNS, [6]uintptr{^uintptr(0), unix.CLONE_NEWNET}, unix.EPERM},
			{"mount", unix.SYS_MOUNT, [6]uintptr{uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(fstype))}, unix.EPERM},
			{"umount2", unix.SYS_UMOUNT2, [6]uintptr{uintptr(unsafe.Pointer(name))}, unix.EPERM},
			{"keyctl", unix.SYS_KEYCTL, [6]uintptr{unix.KEYCTL_GET_KEYRING_ID, ^uintptr(1000)}, unix.EPERM},
			{"bpf", unix.SYS_BPF, [6]uintptr{^uintptr(0)}, unix.EPERM},
			{"perf_event_open", unix.SYS_PERF_EVENT_OPEN, [6]uintptr{}, unix.EPERM},
			{"io_uring_setup", unix.SYS_IO_URING_SETUP, [6]uintptr{}, unix.EPERM},
			{"userfaultfd", unix.SYS_USERFAULTFD, [6]uintptr{^uintptr(0)}, unix.EPERM},
			{"ptrace", unix.SYS_PTRACE, [6]uintptr{unix.PTRACE_PEEKDATA, 0}, unix.EPERM},
			{"clone3", unix.SYS_CLONE3, [6]uintptr{0, 0}, unix.ENOSYS},
			{"clone(CLONE_NEWUSER)", unix.SYS_CLONE, [6]uintptr{unix.CLONE_NEWUSER | unix.CLONE_PARENT_SETTID, 0, 0, 0, 0}, unix.EPERM},
			{"socket(AF_ALG)", unix.SYS_SOCKET, [6]uintptr{unix.AF_ALG, unix.SOCK_SEQPACKET, 0}, unix.EPERM},
			{"socket(AF_VSOCK)", unix.SYS_SOCKET, [6]uintptr{unix.AF_VSOCK, unix.SOCK_STREAM, 0}, unix.EPERM},
			{"socket(AF_ALG | 1<<32)", unix.SYS_SOCKET, [6]uintptr{uintptr(high) | unix.AF_ALG, unix.SOCK_SEQPACKET, 0}, unix.EPERM},
			{"ioctl(TIOCSTI)", unix.SYS_IOCTL, [6]uintptr{^uintptr(0), unix.TIOCSTI, 0}, unix.EPERM},
			{"personality(ADDR_NO_RANDOMIZE)", unix.SYS_PERSONALITY, [6]uintptr{0x0040000 /* ADDR_NO_RANDOMIZE */}, unix.EPERM},
			{"x32 getpid", 0x40000000 | 39, [6]uintptr{}, unix.ENOSYS},
			{"number past the table", 999, [6]uintptr{}, unix.ENOSYS},
		} {
			_, _, errno := unix.Syscall6(tt.nr, tt.args[0], tt.args[1], tt.args[2], tt.args[3], tt.args[4], tt.args[5])
			if errno != tt.want {
				t.Errorf("%s = %v (%d), want %v", tt.name, errno, errno, tt.want)
			}
		}
		// Ordinary calls work.
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Errorf("socket(AF_UNIX): %v", err)
		} else {
			unix.Close(fd)
		}
		if _, err := os.ReadFile("/proc/self/status"); err != nil {
			t.Error(err)
		}
		if _, _, errno := unix.Syscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0); errno != 0 {
			t.Errorf("personality(0xffffffff): %v", errno)
		}
	})
}

// TestDefaultRunsPrograms runs ordinary programs under Default, inherited
// from the test's thread as the sandboxed program inherits it from the init.
func TestDefaultRunsPrograms(t *testing.T) {
	requireSeccomp(t)
	const py = `
import subprocess, threading
out = []
def work(i):
    out.append(subprocess.run(["sh", "-c", "echo %d" % i], capture_output=True, text=True).stdout.strip())
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(out))
`
	const c = `#include <pthread.h>
#include <stdio.h>
static void *run(void *arg) { return arg; }
int main(void) {
	pthread_t t;
	void *r;
	if (pthread_create(&t, NULL, run, "threads ok") != 0 || pthread_join(t, &r) != 0) return 1;
	puts((char *)r);
	return 0;
}
`
	for _, tt := range []struct {
		name string
		need string
		cmd  func(dir string) [][]string // commands to run in order; the last one's output is checked
		want string
	}{
		{"sh", "sh", func(string) [][]string {
			return [][]string{{"sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\\t\\n'; ls / | wc -l >/dev/null && echo ' ok'"}}
		}, "NoNewPrivs:1Seccomp:2 ok\n"},
		{"busybox", "busybox", func(string) [][]string {
			return [][]string{{"busybox", "sh", "-c", "busybox ls /proc/self >/dev/null && busybox seq 3 | busybox wc -l"}}
		}, "3\n"},
		{"python3", "python3", func(string) [][]string {
			return [][]string{{"python3", "-c", py}}
		}, "['0', '1', '2', '3']\n"},
		{"gcc", "gcc", func(dir string) [][]string {
			return [][]string{
				{"gcc", "-O2", "-pthread", "-o", filepath.Join(dir, "hello"), filepath.Join(dir, "hello.c")},
				{filepath.Join(dir, "hello")},
			}
		}, "threads ok\n"},
		{"go", "", func(string) [][]string {
			// The test binary is a Go program; with no test to run it
			// starts the runtime, its threads and GC, and exits.
			return [][]string{{os.Args[0], "-test.run=^$", "-test.count=1"}}
		}, "PASS\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.need != "" {
				if _, err := exec.LookPath(tt.need); err != nil {
					t.Skipf("skipping: %s is not installed", tt.need)
				}
			}
			testutil.RunInSubprocess(t, func() {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "hello.c"), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
				loadOnThisThread(t, Default())
				var out []byte
				for _, argv := range tt.cmd(dir) {
					cmd := exec.Command(argv[0], argv[1:]...)
					cmd.Dir = dir
					var err error
					if out, err = cmd.CombinedOutput(); err != nil {
						t.Fatalf("%q: %v\n%s", argv, err, out)
					}
				}
				if got := strings.TrimPrefix(string(out), "testing: warning: no tests to run\n"); got != tt.want {
					t.Errorf("output %q, want %q", got, tt.want)
				}
			})
		})
	}
}

func TestLoadErrors(t *testing.T) {
	if err := Load(nil); err == nil || !strings.Contains(err.Error(), "empty program") {
		t.Errorf("Load(nil) = %v", err)
	}
}
