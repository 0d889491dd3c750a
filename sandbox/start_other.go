//go:build !linux

package sandbox

const (
	rlimitNofile = iota
	rlimitNproc
	rlimitFsize
	rlimitCPU
	rlimitAS
	rlimitData
	rlimitStack
	rlimitCore
)

func hardLimit(int) (uint64, error) { return 0, ErrUnsupported }

type run struct{}

func (c *Cmd) start() error { return ErrUnsupported }

func (c *Cmd) wait() error { return ErrUnsupported }

func isTerminal(any) bool { return false }
