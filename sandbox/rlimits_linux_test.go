//go:build linux

package sandbox_test

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

// limitsOf returns the soft and hard columns of a /proc/self/limits line.
func limitsOf(limits, name string) string {
	for _, l := range strings.Split(limits, "\n") {
		if strings.HasPrefix(l, name) {
			f := strings.Fields(strings.TrimPrefix(l, name))
			if len(f) >= 2 {
				return f[0] + " " + f[1]
			}
		}
	}
	return ""
}

func TestRlimitsSeenInside(t *testing.T) {
	testutil.RequireRoot(t)
	cmd := sandbox.Command("cat", "/proc/self/limits")
	def := output(t, cmd)
	if got := limitsOf(def, "Max core file size"); got != "0 0" {
		t.Errorf("default core limit %q, want 0 0 (core dumps off)", got)
	}
	cmd = sandbox.Command("cat", "/proc/self/limits")
	cmd.Rlimits = sandbox.Rlimits{OpenFiles: 64, Processes: 500, FileSize: 1 << 20, CPUSeconds: 30,
		AddressSpace: 1 << 30, Data: 512 << 20, Stack: 4 << 20, Core: 1 << 20}
	got := output(t, cmd)
	for name, want := range map[string]string{
		"Max open files":        "64 64",
		"Max processes":         "500 500",
		"Max file size":         "1048576 1048576",
		"Max cpu time":          "30 30",
		"Max address space":     "1073741824 1073741824",
		"Max data size":         "536870912 536870912",
		"Max stack size":        "4194304 4194304",
		"Max core file size":    "1048576 1048576",
		"Max pending signals":   limitsOf(def, "Max pending signals"),
		"Max locked memory":     limitsOf(def, "Max locked memory"),
		"Max resident set":      limitsOf(def, "Max resident set"),
		"Max realtime priority": limitsOf(def, "Max realtime priority"),
		"Max msgqueue size":     limitsOf(def, "Max msgqueue size"),
		"Max file locks":        limitsOf(def, "Max file locks"),
		"Max nice priority":     limitsOf(def, "Max nice priority"),
		"Max realtime timeout":  limitsOf(def, "Max realtime timeout"),
	} {
		if g := limitsOf(got, name); g != want {
			t.Errorf("%s: %q, want %q", name, g, want)
		}
	}
}

func TestRlimitsEnforced(t *testing.T) {
	testutil.RequireRoot(t)
	// FileSize: writing past it fails (SIGXFSZ ignored by the shell's dd? no:
	// dd gets the signal), so the file stops at the limit.
	cmd := sh(`trap '' XFSZ; head -c 100000 /dev/zero > /tmp/f 2>/dev/null; wc -c < /tmp/f`)
	cmd.Rlimits.FileSize = 4096
	if got := output(t, cmd); got != "4096" {
		t.Errorf("file under FileSize 4096 has %s bytes", got)
	}
	// OpenFiles: the 17th descriptor is refused.
	cmd = sandbox.Command("python3", "-c", `
import os
fds = []
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e: print(len(fds) + 3, e.errno)`)
	cmd.Rlimits.OpenFiles = 16
	if got := output(t, cmd); got != "16 24" {
		t.Errorf("descriptors under OpenFiles 16: %q, want 16 EMFILE(24)", got)
	}
	// CPUSeconds: a busy loop is killed by SIGXCPU after about a second.
	cmd = sh(`while :; do :; done`)
	cmd.Rlimits.CPUSeconds = 1
	err := cmd.Run()
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) || (ee.Signal != syscall.SIGXCPU && ee.Signal != syscall.SIGKILL) {
		t.Errorf("busy loop under CPUSeconds 1: %v", err)
	}
}

func TestRlimitsAboveHardLimit(t *testing.T) {
	testutil.RequireRoot(t)
	var hard syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &hard); err != nil {
		t.Fatal(err)
	}
	cmd := sandbox.Command("true")
	cmd.Rlimits.OpenFiles = hard.Max + 1
	err := cmd.Run()
	var oe *sandbox.OptionError
	if !errors.As(err, &oe) || oe.Option != "Rlimits.OpenFiles" || cmd.Process != nil {
		t.Errorf("OpenFiles above the hard limit: %v", err)
	}
}
