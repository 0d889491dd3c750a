package caps_test

import (
	"fmt"

	"github.com/lockbox-dev/lockbox/caps"
)

func ExampleParseSet() {
	keep, err := caps.ParseSet("net_bind_service", "CAP_CHOWN", "Kill")
	if err != nil {
		panic(err)
	}
	fmt.Println(keep)
	fmt.Println(keep.Has(caps.NetBindService), keep.Has(caps.SysAdmin))

	_, err = caps.ParseSet("net_bind_service", "sys_admn", "root")
	fmt.Println(err)
	// Output:
	// CAP_CHOWN,CAP_KILL,CAP_NET_BIND_SERVICE
	// true false
	// caps: unknown capability "sys_admn"
	// caps: unknown capability "root"
}

func ExampleSet_Names() {
	// The form seccomp profiles use in "includes": {"caps": [...]}.
	fmt.Println(caps.None.Names() == nil)
	fmt.Printf("%q\n", caps.SetOf(caps.SysAdmin, caps.Chown).Names())
	fmt.Println(caps.DefaultContainer.Len(), caps.DefaultContainer.Has(caps.NetRaw))
	// Output:
	// true
	// ["CAP_CHOWN" "CAP_SYS_ADMIN"]
	// 14 true
}
