//go:build !linux

package cgroup

import "time"

// A Manager is one group. On this operating system none can be made.
type Manager struct{}

// New returns [ErrUnsupported]: cgroups exist only on Linux.
func New(opts Options) (*Manager, error) { return nil, ErrUnsupported }

// Path returns "".
func (m *Manager) Path() string { return "" }

// FD returns -1, false.
func (m *Manager) FD() (fd int, ok bool) { return -1, false }

// AddProc returns [ErrUnsupported].
func (m *Manager) AddProc(pid int) error { return ErrUnsupported }

// Stats returns [ErrUnsupported].
func (m *Manager) Stats() (Stats, error) { return Stats{}, ErrUnsupported }

// Kill returns [ErrUnsupported].
func (m *Manager) Kill() error { return ErrUnsupported }

// Delete returns [ErrUnsupported].
func (m *Manager) Delete() error { return ErrUnsupported }

// RemoveStale returns [ErrUnsupported].
func RemoveStale(minAge time.Duration) ([]string, error) { return nil, ErrUnsupported }
