//go:build !linux

package sandbox

const rlimitCore = 4

type run struct{}

func (c *Cmd) start() error { return ErrUnsupported }

func (c *Cmd) wait() error { return ErrUnsupported }

func isTerminal(any) bool { return false }
