package seccomp

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned, wrapped, by [Load] on systems other than
// Linux. It wraps [errors.ErrUnsupported], which the errors for profile
// features lockbox does not implement (SCMP_ACT_NOTIFY, SCMP_ACT_TRACE,
// filter flags) and for architectures without a system call table also
// wrap.
var ErrUnsupported = fmt.Errorf("seccomp: %w", errors.ErrUnsupported)

// ErrUnconfined is returned by [Policy.Assemble] and [Policy.Dump] for the
// policy made by [Unconfined], which has no program: the runtime must check
// [Policy.IsUnconfined] and install no filter. Assembling it is an error so
// that a runtime that forgets the check fails closed.
var ErrUnconfined = errors.New("seccomp: policy is unconfined: there is no filter to assemble")

// ErrUnknownSyscall is wrapped by the errors that report a system call name
// known on no architecture (a misspelling, or a call newer than lockbox's
// tables). See "# System call names" in the package documentation.
var ErrUnknownSyscall = errors.New("unknown system call")

// bug reports an impossible state: a broken invariant of this package, not a
// problem with the caller's input.
func bug(format string, args ...any) error {
	return fmt.Errorf("seccomp: internal error (please report): "+format, args...)
}
