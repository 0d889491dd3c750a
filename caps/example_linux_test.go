//go:build linux

package caps_test

import (
	"log"
	"os"
	"runtime"

	"github.com/lockbox-dev/lockbox/caps"
	"golang.org/x/sys/unix"
)

// The sequence of the sandbox init: keep only CAP_NET_BIND_SERVICE for a
// program that runs as uid and gid 65534.
func ExampleApplyToThread() {
	runtime.LockOSThread() // never unlocked: this thread calls execve
	const id = 65534
	keep := caps.SetOf(caps.NetBindService)

	// Keep the permitted set across the uid change: ApplyToThread needs
	// CAP_SETPCAP to drop the bounding set, and the kept capabilities.
	if err := caps.SetKeepCaps(true); err != nil {
		log.Fatal(err)
	}
	// Per-thread credential changes (syscall.Setresuid changes every thread).
	for _, c := range [][4]uintptr{
		{unix.SYS_SETGROUPS, 0, 0, 0},
		{unix.SYS_SETRESGID, id, id, id},
		{unix.SYS_SETRESUID, id, id, id},
	} {
		if _, _, e := unix.RawSyscall(c[0], c[1], c[2], c[3]); e != 0 {
			log.Fatal(e)
		}
	}
	if err := caps.ApplyToThread(keep); err != nil {
		log.Fatal(err)
	}
	// Then no_new_privs, seccomp, and execve on this same thread.
	if err := unix.Exec("/usr/bin/python3", []string{"python3", "-m", "http.server", "80"}, os.Environ()); err != nil {
		log.Fatal(err)
	}
}
