//go:build !linux

package caps

import (
	"fmt"
	"runtime"
)

var errGOOS = fmt.Errorf("%w on %s", ErrUnsupported, runtime.GOOS)

// Last returns an error wrapping [ErrUnsupported]: capabilities are Linux only.
func Last() (Cap, error) { return 0, errGOOS }

// All returns an error wrapping [ErrUnsupported]: capabilities are Linux only.
func All() (Set, error) { return None, errGOOS }

// SetKeepCaps returns an error wrapping [ErrUnsupported]: capabilities are Linux only.
func SetKeepCaps(on bool) error { return errGOOS }

// ApplyToThread returns an error wrapping [ErrUnsupported] and changes
// nothing: capabilities are Linux only.
func ApplyToThread(keep Set) error { return errGOOS }

// ReadThread returns an error wrapping [ErrUnsupported]: capabilities are Linux only.
func ReadThread() (Sets, error) { return Sets{}, errGOOS }

// ReadProc returns an error wrapping [ErrUnsupported]: capabilities are Linux only.
func ReadProc(pid int) (Sets, error) { return Sets{}, errGOOS }
