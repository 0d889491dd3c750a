//go:build linux

package seccomp_test

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/seccomp"
)

func ExamplePolicy_Deny() {
	p := seccomp.Default().Deny(unix.EACCES, "mkdir", "mkdirat")
	fmt.Println(p.Validate())
	// Output: <nil>
}

// The sandbox init loads the program it received from the supervisor as its
// last step before execve.
func ExampleLoad() {
	var msg []byte // the program, as Program.MarshalBinary encoded it
	var prog seccomp.Program
	if err := prog.UnmarshalBinary(msg); err != nil {
		panic(err)
	}
	runtime.LockOSThread()
	if err := seccomp.Load(prog); err != nil {
		panic(err)
	}
	panic(unix.Exec("/bin/true", []string{"true"}, nil))
}
