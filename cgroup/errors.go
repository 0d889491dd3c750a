package cgroup

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned by every function of this package on an
// operating system other than Linux, and by [New] when the machine has no
// usable cgroup hierarchy ([Mode] reports [Unavailable]).
var ErrUnsupported = fmt.Errorf("cgroup: %w", errors.ErrUnsupported)

// ErrNotCgroup reports that a path exists but is not a cgroup directory (it
// is not on a cgroup or cgroup2 file system, or has no cgroup.procs).
var ErrNotCgroup = errors.New("cgroup: not a cgroup")

// ErrNoController reports that a controller needed by a limit is not
// available where the group would be created: not mounted on cgroup v1, or
// missing from the parent's cgroup.controllers on cgroup v2.
var ErrNoController = errors.New("cgroup: controller not available")

// ErrDeleted is returned by the methods of a [Manager] after [Manager.Delete].
var ErrDeleted = errors.New("cgroup: group deleted")

// An Error reports a failed operation on a cgroup file or directory.
// Err is usually a syscall.Errno (wrapped in an *os.PathError) or one of
// this package's sentinels; test it with errors.Is.
type Error struct {
	Op   string // what was being done, e.g. "mkdir", "write memory.max", "enable controllers"
	Path string // the file or directory
	Err  error
	// Hint, if not empty, says what the caller can do about it, e.g. how to
	// get a delegated cgroup from systemd.
	Hint string
}

func (e *Error) Error() string {
	s := "cgroup: " + e.Op
	if e.Path != "" {
		s += " " + e.Path
	}
	s += ": " + trimPrefix(e.Err)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// A ResourceError reports an invalid field of [Resources].
// [Resources.Validate] joins one per invalid field with errors.Join.
type ResourceError struct {
	Field  string // e.g. "Memory", "CPUs"
	Value  any    // the rejected value
	Reason string // e.g. "must be >= 0 (0 = no limit)"
}

func (e *ResourceError) Error() string {
	return fmt.Sprintf("cgroup: invalid Resources.%s = %v: %s", e.Field, e.Value, e.Reason)
}

// trimPrefix returns err's message without a leading "cgroup: ", so that
// wrapping one of our own errors does not repeat the prefix.
func trimPrefix(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	const p = "cgroup: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// bug marks an error that should not happen whatever the caller or the
// kernel does.
func bug(format string, a ...any) error {
	return fmt.Errorf("cgroup: internal error (please report): "+format, a...)
}
