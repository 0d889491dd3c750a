//go:build linux

package sys

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/testutil"
)

func TestSeccompSetModeFilterLength(t *testing.T) {
	for _, n := range []int{0, 0x10000} {
		err := SeccompSetModeFilter(make([]unix.SockFilter, n), 0)
		var se *os.SyscallError
		if !errors.As(err, &se) || se.Err != unix.EINVAL {
			t.Errorf("%d instructions: %v, want seccomp: EINVAL", n, err)
		}
	}
}

func TestSeccompSetModeFilter(t *testing.T) {
	testutil.RunInSubprocess(t, func() {
		runtime.LockOSThread()
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		// A jump past the end: the kernel's checker refuses it.
		bad := []unix.SockFilter{{Code: 0x15, Jt: 5, Jf: 5, K: 0}} // jeq #0
		if err := SeccompSetModeFilter(bad, 0); !errors.Is(err, unix.EINVAL) {
			t.Errorf("invalid filter: %v, want EINVAL", err)
		}
		// A filter of one instruction: ret SECCOMP_RET_ALLOW.
		allow := []unix.SockFilter{{Code: 0x06, K: unix.SECCOMP_RET_ALLOW}}
		if err := SeccompSetModeFilter(allow, 0); err != nil {
			t.Fatalf("SeccompSetModeFilter: %v", err)
		}
		b, err := os.ReadFile("/proc/thread-self/status")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "\nSeccomp:\t2\n") {
			t.Errorf("/proc/thread-self/status has no \"Seccomp: 2\":\n%s", b)
		}
	})
}
