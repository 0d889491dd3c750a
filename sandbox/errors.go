package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// ErrUnsupported is returned on systems other than Linux: lockbox fails
// closed rather than run a program without isolation.
var ErrUnsupported = fmt.Errorf("sandbox: %w", errors.ErrUnsupported)

// ErrInitNotCalled is returned by Start when sandbox.Init was not called at
// the start of main (or TestMain): the re-executed init would run the
// caller's main instead of setting up the sandbox.
var ErrInitNotCalled = errors.New("sandbox: sandbox.Init() was not called: call it as the first line of main (and of TestMain)")

// ErrNotFound is wrapped by the error Start returns when the program cannot
// be found inside the sandbox's view (in its PATH, or at its path).
var ErrNotFound = errors.New("executable file not found in the sandbox")

// A SetupError reports that the sandbox could not be set up: a step of the
// supervisor (cgroup, clone) or of the init inside the sandbox (mount,
// pivot_root, exec...) failed before the program ran. Err is usually a
// syscall.Errno, so errors.Is(err, unix.EPERM) works.
type SetupError struct {
	Step string // e.g. "mount", "pivot_root", "exec"
	Path string // the path the step acted on, if any
	Err  error
}

func (e *SetupError) Error() string {
	s := "sandbox: setup " + e.Step
	if e.Path != "" {
		s += " " + strconv.Quote(e.Path)
	}
	return s + ": " + e.Err.Error()
}

func (e *SetupError) Unwrap() error { return e.Err }

// An OptionError reports a bad option, found before anything is started.
type OptionError struct {
	Option string // e.g. "Filesystem.Mounts[0].Target"
	Value  string
	Err    error
}

func (e *OptionError) Error() string {
	return "sandbox: " + e.Option + " " + strconv.Quote(e.Value) + ": " + e.Err.Error()
}

func (e *OptionError) Unwrap() error { return e.Err }

// An ExitError reports that the program ran and did not exit with status 0.
// Like exec.ExitError it embeds the *os.ProcessState of Cmd.Process, which is
// the sandbox's init; Code and Signal describe the program itself.
type ExitError struct {
	*os.ProcessState

	// Code is the program's exit code, or -1 if a signal killed it.
	Code int
	// Signal is the signal that killed the program, or 0.
	Signal syscall.Signal

	// Stderr holds up to 32 KiB of the program's standard error when it was
	// collected by Output.
	Stderr []byte

	// Context is the context's error when the context's end killed the
	// program, or nil.
	Context error
}

func (e *ExitError) Error() string {
	s := "sandbox: exit status " + strconv.Itoa(e.Code)
	if e.Signal != 0 {
		s = "sandbox: signal: " + e.Signal.String()
	}
	if e.Context != nil {
		s += " (" + e.Context.Error() + ")"
	}
	return s
}

// Unwrap returns the context's error when the context's end killed the
// program, so errors.Is(err, context.DeadlineExceeded) works.
func (e *ExitError) Unwrap() error { return e.Context }

// ExitCode returns the program's exit code, or -1 if a signal killed it.
func (e *ExitError) ExitCode() int { return e.Code }
