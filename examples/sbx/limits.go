package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/lockbox-dev/lockbox/cgroup"
	"github.com/lockbox-dev/lockbox/sandbox"

	"github.com/lockbox-dev/lockbox/caps"
	"github.com/lockbox-dev/lockbox/seccomp"
)

// parseResources reads --memory, --pids and --cpus into a
// sandbox.Resources option.
func parseResources(o *options, memory, pids, cpus string) error {
	var r sandbox.Resources
	if memory != "" {
		n, err := parseSize(memory)
		if err != nil {
			return fmt.Errorf("--memory %q: %v", memory, err)
		}
		r.Memory = n
	}
	if pids != "" {
		n, err := strconv.ParseInt(pids, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("--pids %q: want a positive number", pids)
		}
		r.PIDs = n
	}
	if cpus != "" {
		f, err := strconv.ParseFloat(cpus, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return fmt.Errorf("--cpus %q: want a positive number of cores such as 0.5 or 2", cpus)
		}
		r.CPUs = f
	}
	if err := (cgroup.Resources{Memory: r.Memory, PIDs: r.PIDs, CPUs: r.CPUs}).Validate(); err != nil {
		return fmt.Errorf("--memory/--pids/--cpus: %v", err)
	}
	o.cmd.Resources = r
	return nil
}

// parseSeccomp reads --seccomp: the default policy (for the kept
// capabilities), none at all, or an OCI/Docker JSON profile.
func parseSeccomp(o *options, profile string, keep caps.Set) error {
	switch profile {
	case "default":
		return nil
	case "unconfined":
		o.cmd.Seccomp.Policy = seccomp.Unconfined()
		return nil
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		return fmt.Errorf("--seccomp %q: %v", profile, errors.Unwrap(err))
	}
	p, err := seccomp.ParseProfile(data, seccomp.ProfileOptions{Caps: keep.Names()})
	if err != nil {
		return fmt.Errorf("--seccomp %q: %v", profile, err)
	}
	o.cmd.Seccomp.Policy = p
	return nil
}
