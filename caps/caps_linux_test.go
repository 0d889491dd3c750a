//go:build linux

package caps

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"golang.org/x/sys/unix"
)

const nobody = 65534

// switchThreadUser changes the calling thread's groups, gid and uid to
// nobody with raw per-thread syscalls, as the sandbox init does
// (syscall.Setresuid would change every thread of the process).
func switchThreadUser(t *testing.T) {
	t.Helper()
	for _, s := range []struct {
		name string
		trap uintptr
		arg  uintptr
	}{
		{"setgroups", unix.SYS_SETGROUPS, 0},
		{"setresgid", unix.SYS_SETRESGID, nobody},
		{"setresuid", unix.SYS_SETRESUID, nobody},
	} {
		a := [3]uintptr{s.arg, s.arg, s.arg}
		if s.trap == unix.SYS_SETGROUPS {
			a = [3]uintptr{0, 0, 0} // setgroups(0, NULL): no supplementary groups
		}
		if _, _, e := unix.RawSyscall(s.trap, a[0], a[1], a[2]); e != 0 {
			t.Fatalf("%s: %v", s.name, e)
		}
	}
}

// readThread returns the calling thread's sets, failing t on error.
func readThread(t *testing.T) Sets {
	t.Helper()
	s, err := ReadThread()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// childSets runs /bin/cat /proc/self/status from the calling (locked) thread,
// whose credentials the child inherits, and returns the sets it printed
// after execve, with its status text.
func childSets(t *testing.T) (Sets, string) {
	t.Helper()
	out, err := exec.Command("/bin/cat", "/proc/self/status").Output()
	if err != nil {
		t.Fatalf("/bin/cat /proc/self/status: %v", err)
	}
	s, err := ParseStatus(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return s, string(out)
}

// all5 returns Sets with all five sets equal to s.
func all5(s Set) Sets { return Sets{s, s, s, s, s} }

// bindPrivileged binds a TCP socket on the calling thread to 127.0.0.1 and
// the first free port below net.ipv4.ip_unprivileged_port_start (from port
// 80 upwards), and returns bind's error.
func bindPrivileged(t *testing.T) error {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		t.Fatal(err)
	}
	start, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if start <= 80 {
		t.Skipf("skipping: net.ipv4.ip_unprivileged_port_start=%d lets anyone bind port 80", start)
	}
	for port := 80; port < start; port++ {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		err = unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}})
		unix.Close(fd)
		if !errors.Is(err, unix.EADDRINUSE) {
			return err
		}
	}
	t.Skipf("skipping: every port from 80 to %d is in use on 127.0.0.1", start-1)
	return nil
}

func TestLast(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	want, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	last, err := Last()
	if err != nil || int(last) != want {
		t.Fatalf("Last() = %v, %v; want %d", last, err, want)
	}
	if probed, err := probeLast(); err != nil || probed != last {
		t.Errorf("probeLast() = %v, %v; want %v", probed, err, last)
	}
	all, err := All()
	if err != nil || all.Len() != want+1 || !all.Has(last) || all.Has(last+1) {
		t.Errorf("All() = %v, %v; want CAP_CHOWN..%v", all, err, last)
	}
}

func TestApplyToThreadUnknownCap(t *testing.T) {
	last, err := Last()
	if err != nil {
		t.Fatal(err)
	}
	if last == maxCap {
		t.Skip("skipping: the kernel knows every capability a Set can hold")
	}
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		before := readThread(t)
		err := ApplyToThread(DefaultContainer.With(last + 1))
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("ApplyToThread(.. %v) = %v, want an error wrapping ErrUnsupported", last+1, err)
		}
		if after := readThread(t); after != before {
			t.Errorf("sets changed on error: before %+v, after %+v", before, after)
		}
	})
}

func TestApplyToThreadNoneAsRoot(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread() // never unlocked: this thread loses its capabilities
		if err := ApplyToThread(None); err != nil {
			t.Fatal(err)
		}
		if got := readThread(t); got != (Sets{}) {
			t.Errorf("thread sets = %+v, want all empty", got)
		}
		// uid 0 executing a program gets its inheritable and bounding sets:
		// both are empty now.
		if got, status := childSets(t); got != (Sets{}) {
			t.Errorf("child sets = %+v, want all empty\n%s", got, status)
		}
		// Per-thread: the thread-group leader keeps its capabilities.
		if unix.Gettid() != os.Getpid() {
			leader, err := ReadProc(os.Getpid())
			if err != nil {
				t.Fatal(err)
			}
			if !leader.Effective.Has(SysAdmin) {
				t.Errorf("leader lost CAP_SYS_ADMIN: %+v", leader)
			}
		}
	})
}

func TestApplyToThreadDefaultContainerAsRoot(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		for i := range 2 { // idempotent: the second call drops nothing new
			if err := ApplyToThread(DefaultContainer); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
		if got := readThread(t); got != all5(DefaultContainer) {
			t.Errorf("thread sets = %+v, want all %v", got, DefaultContainer)
		}
		if got, status := childSets(t); got != all5(DefaultContainer) {
			t.Errorf("child sets = %+v, want all %v\n%s", got, DefaultContainer, status)
		}
	})
}

func TestApplyToThreadKeepAsNobody(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		keep := SetOf(NetBindService)
		if err := SetKeepCaps(true); err != nil {
			t.Fatal(err)
		}
		switchThreadUser(t)
		if err := ApplyToThread(keep); err != nil {
			t.Fatal(err)
		}
		if got := readThread(t); got != all5(keep) {
			t.Errorf("thread sets = %+v, want all %v", got, keep)
		}
		if v, err := unix.PrctlRetInt(unix.PR_GET_KEEPCAPS, 0, 0, 0, 0); err != nil || v != 0 {
			t.Errorf("PR_GET_KEEPCAPS = %d, %v; want 0", v, err)
		}
		if err := bindPrivileged(t); err != nil {
			t.Errorf("bind with CAP_NET_BIND_SERVICE as uid %d: %v", nobody, err)
		}
		got, status := childSets(t)
		if got != all5(keep) {
			t.Errorf("child sets = %+v, want all %v (ambient caps did not survive execve)\n%s", got, keep, status)
		}
		if !strings.Contains(status, "\nUid:\t65534\t65534\t65534\t65534\n") {
			t.Errorf("child is not uid %d:\n%s", nobody, status)
		}
	})
}

func TestApplyToThreadNoneAsNobody(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		if err := SetKeepCaps(true); err != nil {
			t.Fatal(err)
		}
		switchThreadUser(t)
		if err := ApplyToThread(None); err != nil {
			t.Fatal(err)
		}
		if got := readThread(t); got != (Sets{}) {
			t.Errorf("thread sets = %+v, want all empty", got)
		}
		if err := bindPrivileged(t); !errors.Is(err, unix.EACCES) {
			t.Errorf("bind without CAP_NET_BIND_SERVICE as uid %d = %v, want EACCES", nobody, err)
		}
		if got, status := childSets(t); got != (Sets{}) {
			t.Errorf("child sets = %+v, want all empty\n%s", got, status)
		}
	})
}

func TestApplyToThreadWithoutKeepCaps(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		if err := SetKeepCaps(false); err != nil {
			t.Fatal(err)
		}
		switchThreadUser(t) // clears the permitted set: CAP_SETPCAP is gone
		err := ApplyToThread(None)
		if !errors.Is(err, unix.EPERM) || !strings.Contains(err.Error(), "SetKeepCaps(true)") {
			t.Fatalf("ApplyToThread(None) without KEEPCAPS = %v, want EPERM with a hint", err)
		}
		if got := readThread(t); got.Bounding == None {
			t.Errorf("bounding set dropped without CAP_SETPCAP: %+v", got)
		}
	})
}

// BenchmarkApplyToThread times the whole sequence (capget, bounding drops,
// capset, ambient clear and raises, KEEPCAPS) with sets that make it
// repeatable: keeping everything the thread has drops nothing, and keeping
// DefaultContainer keeps CAP_SETPCAP, so the drops of the first iteration
// can be repeated. Each sub-benchmark's goroutine stays locked, so its
// thread dies with it instead of returning to the scheduler.
func BenchmarkApplyToThread(b *testing.B) {
	testutil.RequireRoot(b)
	for _, bc := range []struct {
		name string
		keep func(permitted Set) Set
	}{
		{"all", func(p Set) Set { return p }},
		{"default-container", func(p Set) Set { return DefaultContainer.Intersect(p) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runtime.LockOSThread() // never unlocked
			cur, err := ReadThread()
			if err != nil {
				b.Fatal(err)
			}
			keep := bc.keep(cur.Permitted)
			for b.Loop() {
				if err := ApplyToThread(keep); err != nil {
					b.Fatal(err)
				}
			}
			if got, err := ReadThread(); err != nil || got.Effective != keep || got.Ambient != keep {
				b.Fatalf("after the loop: %+v, %v; want effective and ambient %v", got, err, keep)
			}
		})
	}
}
