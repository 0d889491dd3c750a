// Package testutil holds the helpers lockbox's tests share: privilege checks
// that skip with a precise reason, and RunInSubprocess for actions that cannot
// be undone in the test process (seccomp filters, dropped capabilities).
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// subprocessEnv marks a test binary started by RunInSubprocess.
const subprocessEnv = "LOCKBOX_TEST_SUBPROCESS"

// InSubprocess reports whether this test binary was started by RunInSubprocess.
func InSubprocess() bool { return os.Getenv(subprocessEnv) == "1" }

// RunInSubprocess runs f in a fresh copy of the test binary that runs only
// t's test, and fails t if that copy fails. In the copy, RunInSubprocess runs
// f directly, so f may do what cannot be undone (load a seccomp filter, drop
// capabilities) and report with t as usual. Modelled on go-landlock's
// lltest.RunInSubprocess.
//
// f runs on the test's goroutine; lock the OS thread inside f where the action
// is per-thread.
func RunInSubprocess(t *testing.T, f func()) {
	t.Helper()
	if InSubprocess() {
		f()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), subprocessEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("subprocess for %s failed: %v\n%s", t.Name(), err, out)
	}
}

// RequireRoot skips t unless the test runs as root (uid 0).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (euid 0); lockbox's kernel tests run as root in CI")
	}
}
