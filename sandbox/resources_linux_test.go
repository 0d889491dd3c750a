//go:build linux

package sandbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

func TestForkBombContained(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	// The bomb forks until pids.max says no; the deadline ends the run.
	res, _ := sandbox.Run(ctx, sh(`bomb() { bomb | bomb & }; bomb; sleep 100`), sandbox.Resources{PIDs: 32})
	if res == nil || !res.TimedOut || res.WallTime > 10*time.Second {
		t.Fatalf("fork bomb under PIDs 32: %+v", res)
	}
	// The host kept its ability to fork.
	if err := sandbox.Command("true").Run(); err != nil {
		t.Errorf("after the bomb: %v", err)
	}
}

func TestPIDsLimitSeenInside(t *testing.T) {
	testutil.RequireRoot(t)
	cmd := sh(`for i in $(seq 40); do sleep 5 & done 2>&1 | grep -c 'fork\|Resource'; kill $(jobs -p) 2>/dev/null; true`)
	cmd.Resources.PIDs = 24
	if got := output(t, cmd); got == "0" || got == "" {
		t.Errorf("40 background sleeps under PIDs 24: %q fork failures, want some", got)
	}
}

func TestOOMKilled(t *testing.T) {
	testutil.RequireRoot(t)
	res, err := sandbox.Run(context.Background(), helperCmd(t, "hog"), sandbox.Resources{Memory: 64 << 20})
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) || res == nil {
		t.Fatalf("err = %v, want the program killed", err)
	}
	if !res.OOMKilled {
		t.Errorf("OOMKilled = false, result %+v", res)
	}
	if res.PeakMemory < 48<<20 || res.PeakMemory > 65<<20 { // the kernel may go a page over the limit
		t.Errorf("PeakMemory = %d MiB, want near 64 MiB", res.PeakMemory>>20)
	}
	// A program that stays under the limit is not reported OOM-killed.
	res, err = sandbox.Run(context.Background(), sh(`head -c 8000000 /dev/zero | tail -c 1 | wc -c`),
		sandbox.Resources{Memory: 64 << 20})
	if err != nil || res.OOMKilled || res.PeakMemory == 0 {
		t.Errorf("8 MiB under 64 MiB: %v %+v", err, res)
	}
}

func TestCPUQuota(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, _ := sandbox.Run(ctx, sh(`while :; do :; done`), sandbox.Resources{CPUs: 0.5})
	if res == nil || !res.TimedOut {
		t.Fatalf("busy loop: %+v", res)
	}
	// Half of the wall time, give or take the init's start-up.
	cpu, want := res.CPUTime(), res.WallTime/2
	if cpu < want*6/10 || cpu > want*13/10 {
		t.Errorf("busy loop for %v under CPUs 0.5 used %v of CPU, want about 1s", res.WallTime, cpu)
	}
}

func TestTimeoutLeavesNothing(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	cgLeakCheck(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cmd := sandbox.CommandContext(ctx, "/bin/sh", "-c", `(sleep 100 &); sleep 100`)
	ns := startedNS(t, cmd, 3)
	err := cmd.Wait()
	if !errors.Is(err, context.DeadlineExceeded) || !cmd.Result.TimedOut {
		t.Errorf("err %v result %+v", err, cmd.Result)
	}
	if left := processesIn(ns); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}

func TestUsageIsPlausible(t *testing.T) {
	testutil.RequireRoot(t)
	// About 0.3 s of CPU and 100 MiB of memory.
	res, err := sandbox.Run(context.Background(), sandbox.Command("python3", "-c", `
import time
b = bytearray(100 << 20)
for i in range(0, len(b), 4096): b[i] = 1
t = time.process_time()
while time.process_time() - t < 0.3: pass`))
	if err != nil {
		t.Fatal(err)
	}
	if res.CPUTime() < 300*time.Millisecond || res.CPUTime() > 3*time.Second {
		t.Errorf("CPU time %v, want at least 0.3 s", res.CPUTime())
	}
	if res.PeakMemory < 100<<20 || res.PeakMemory > 400<<20 {
		t.Errorf("peak memory %d MiB, want about 100", res.PeakMemory>>20)
	}
	if res.WallTime < 300*time.Millisecond || res.UserTime == 0 {
		t.Errorf("wall %v user %v", res.WallTime, res.UserTime)
	}
}

func TestResourcesBadInput(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	cgLeakCheck(t)
	notCgroup := t.TempDir()
	for _, r := range []sandbox.Resources{
		{Memory: -1}, {PIDs: -5}, {CPUs: -0.5}, {CPUWeight: 20000},
		{Parent: "/lockbox-no-such-parent"}, {Parent: notCgroup},
	} {
		cmd := sandbox.Command("true")
		cmd.Resources = r
		err := cmd.Run()
		var oe *sandbox.OptionError
		var se *sandbox.SetupError
		if err == nil || !(errors.As(err, &oe) || (errors.As(err, &se) && se.Step == "cgroup")) || cmd.Process != nil {
			t.Errorf("%+v: err = %v, want an option or cgroup error before anything starts", r, err)
		}
		t.Log(err)
	}
}

// cgroupDirs lists the lockbox-* cgroup directories under the caller's own
// cgroups.
func cgroupDirs(t *testing.T) []string {
	var dirs []string
	for _, pattern := range []string{"/sys/fs/cgroup/*/lockbox-*", "/sys/fs/cgroup/*/*/*/lockbox-*", "/sys/fs/cgroup/lockbox-*", "/sys/fs/cgroup/*/lockbox-*/lockbox-*"} {
		m, _ := filepath.Glob(pattern)
		for _, d := range m {
			if !strings.HasSuffix(d, "lockbox-supervisor") {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

// cgLeakCheck fails t if a lockbox cgroup is left after the test.
func cgLeakCheck(t *testing.T) {
	before := len(cgroupDirs(t))
	t.Cleanup(func() {
		if after := cgroupDirs(t); len(after) != before {
			t.Errorf("cgroups: %d before, %d after: %v", before, len(after), after)
		}
	})
}

func TestManyRunsLeaveNothing(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	cgLeakCheck(t)
	sequential, concurrent := 1000, 50
	if raceEnabled || testing.Short() {
		sequential = 100 // each run re-executes the race-instrumented binary twice
	}
	for i := range sequential {
		if err := sandbox.Command("true").Run(); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, concurrent)
	for range concurrent {
		wg.Go(func() {
			cmd := sh(`echo x > /tmp/f; cat /tmp/f >/dev/null`)
			cmd.Resources = sandbox.Resources{Memory: 256 << 20, PIDs: 64}
			errs <- cmd.Run()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if cgroupDirs(t) == nil {
		_ = os.Getpid()
	}
}
