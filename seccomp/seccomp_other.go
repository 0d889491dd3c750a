//go:build !linux

package seccomp

import (
	"fmt"
	"runtime"

	"golang.org/x/net/bpf"
)

// Load installs a seccomp filter on Linux; elsewhere it fails with an error
// wrapping [ErrUnsupported]. It never fails open.
func Load(prog []bpf.RawInstruction) error {
	return fmt.Errorf("%w on %s: Load", ErrUnsupported, runtime.GOOS)
}

func runningKernel() (string, error) {
	return "", fmt.Errorf("%w on %s: no kernel version to compare with minKernel; set ProfileOptions.Kernel", ErrUnsupported, runtime.GOOS)
}
