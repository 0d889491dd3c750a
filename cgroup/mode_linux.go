//go:build linux

package cgroup

import (
	"sync"

	"github.com/containerd/cgroups/v3"
)

var mode = sync.OnceValue(func() Layout {
	switch cgroups.Mode() {
	case cgroups.Legacy:
		return Legacy
	case cgroups.Hybrid:
		return Hybrid
	case cgroups.Unified:
		return Unified
	}
	return Unavailable
})
