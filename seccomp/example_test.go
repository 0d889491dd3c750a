package seccomp_test

import (
	"fmt"
	"os"

	"github.com/lockbox-dev/lockbox/seccomp"
)

func ExamplePolicy_Dump() {
	p := &seccomp.Policy{
		Arch: "amd64", // so the output is the same on every machine
		Rules: []seccomp.Rule{
			seccomp.Allow("read", "write", "exit_group"),
			seccomp.Allow("socket").When(seccomp.Eq(0, 1)), // AF_UNIX only
		},
	}
	if err := p.Dump(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// seccomp program for amd64: 20 instructions
	//    0: ld [4]                           ; A = arch
	//    1: jeq #0xc000003e jt 3 jf 2        ; native ABI: x86_64?
	//    2: ret #0x80000000                  ; no: kill_process
	//    3: ld [0]                           ; A = system call number
	//    4: jge #0x40000000 jt 5 jf 6        ; x32 ABI (__X32_SYSCALL_BIT)?
	//    5: ret #0x50026                     ; yes: errno 38 (ENOSYS)
	//    6: jgt #0x1d7 jt 7 jf 8             ; newer than lockbox's table (> 471)?
	//    7: ret #0x50026                     ; yes: errno 38 (ENOSYS)
	//    8: jeq #0x0 jt 11 jf 9              ; read
	//    9: jeq #0x1 jt 11 jf 10             ; write
	//   10: jeq #0xe7 jt 11 jf 12            ; exit_group
	//   11: ret #0x7fff0000                  ; allow
	//   12: jeq #0x29 jt 13 jf 18            ; socket
	//   13: ld [20]                          ; arg0 high
	//   14: jeq #0x0 jt 15 jf 18
	//   15: ld [16]                          ; arg0 low
	//   16: jeq #0x1 jt 17 jf 18
	//   17: ret #0x7fff0000                  ; arg0 == 0x1: allow
	//   18: ld [0]                           ; A = system call number (again)
	//   19: ret #0x50001                     ; default: errno 1 (EPERM)
}

func ExampleParseProfile() {
	profile := []byte(`{
		"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdri"], "action": "SCMP_ACT_ERRNO"}]
	}`)
	_, err := seccomp.ParseProfile(profile, seccomp.ProfileOptions{})
	fmt.Println(err)
	// Output: seccomp: profile syscalls[0] "mkdri": unknown system call
}
