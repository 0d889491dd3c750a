//go:build !linux

package nsenter

import (
	"fmt"
	"os"
)

func initMain() {
	fmt.Fprintln(os.Stderr, "lockbox: the sandbox init runs only on Linux")
}
