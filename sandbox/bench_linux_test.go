//go:build linux

package sandbox_test

import (
	"context"
	"os/exec"
	"testing"

	"github.com/lockbox-dev/lockbox/sandbox"
	"github.com/lockbox-dev/lockbox/seccomp"
)

// BenchmarkExecTrue is the baseline: os/exec running /bin/true with no
// isolation at all.
func BenchmarkExecTrue(b *testing.B) {
	for b.Loop() {
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunTrue is the whole per-run path with the default isolation:
// Start (clone, init, mounts, pivot_root, exec helper, exec) to Wait (reap,
// cleanup).
func BenchmarkRunTrue(b *testing.B) {
	benchRun(b, func(*sandbox.Cmd) {})
}

// BenchmarkRunTrueNoReaper shares the pid namespace: no pid 1 of the
// sandbox's own, so the init execs the program itself and there is no exec
// helper. The difference to BenchmarkRunTrue is what the reaper costs.
func BenchmarkRunTrueNoReaper(b *testing.B) {
	benchRun(b, func(c *sandbox.Cmd) { c.Namespaces.SharePID = true })
}

// BenchmarkRunTrueHostNet keeps the host's network namespace (no new net
// namespace to create and tear down).
func BenchmarkRunTrueHostNet(b *testing.B) {
	benchRun(b, func(c *sandbox.Cmd) { c.Network.Mode = sandbox.NetworkHost })
}

func benchRun(b *testing.B, setup func(*sandbox.Cmd)) {
	ctx := context.Background()
	for b.Loop() {
		cmd := sandbox.Command("/bin/true")
		setup(cmd)
		if _, err := sandbox.Run(ctx, cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunTrueNoSeccomp installs no filter: the difference to
// BenchmarkRunTrue is the per-run cost of seccomp (the default program is
// assembled once and cached; each run sends and loads it).
func BenchmarkRunTrueNoSeccomp(b *testing.B) {
	benchRun(b, func(c *sandbox.Cmd) { c.Seccomp.Policy = seccomp.Unconfined() })
}
