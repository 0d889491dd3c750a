package sandbox

import (
	"fmt"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// spec returns the limits to set in the program, checked against the
// caller's own hard limits, and an *OptionError for each bad field.
func (r Rlimits) spec() ([]spec.Rlimit, []error) {
	var out []spec.Rlimit
	var errs []error
	for _, f := range []struct {
		name     string
		resource int
		value    uint64
	}{
		{"OpenFiles", rlimitNofile, r.OpenFiles},
		{"Processes", rlimitNproc, r.Processes},
		{"FileSize", rlimitFsize, r.FileSize},
		{"CPUSeconds", rlimitCPU, r.CPUSeconds},
		{"AddressSpace", rlimitAS, r.AddressSpace},
		{"Data", rlimitData, r.Data},
		{"Stack", rlimitStack, r.Stack},
		// Core is always set: core dumps are off unless asked for, since a
		// dump could carry the program's secrets somewhere unexpected.
		{"Core", rlimitCore, r.Core},
	} {
		max, err := hardLimit(f.resource)
		if f.value == 0 && f.resource == rlimitNofile && err == nil {
			// What a program usually starts with. The init's Go runtime
			// raised its own soft limit to the hard one; syscall.Exec
			// would restore it, our allocation-free exec does not.
			out = append(out, spec.Rlimit{Resource: rlimitNofile, Cur: min(1024, max), Max: max})
			continue
		}
		if f.value == 0 && f.resource != rlimitCore {
			continue
		}
		if err == nil && f.value > max {
			errs = append(errs, &OptionError{Option: "Rlimits." + f.name, Value: fmt.Sprint(f.value),
				Err: fmt.Errorf("above the caller's hard limit %d", max)})
			continue
		}
		out = append(out, spec.Rlimit{Resource: f.resource, Cur: f.value, Max: f.value})
	}
	return out, errs
}
