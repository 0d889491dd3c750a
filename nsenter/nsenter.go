// Package nsenter is the part of lockbox that runs inside the sandbox: the
// re-executed init that builds the mount tree, pivots into it, and starts the
// program with its credentials, capabilities and seccomp filter.
//
// A program never calls it directly: sandbox.Init, the first line of main,
// hands over to Init when the process is a re-executed init. The supervisor
// side lives in package sandbox; the messages both sides exchange are in
// internal/spec.
package nsenter

import (
	"os"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// IsInit reports whether this process was re-executed by the sandbox
// supervisor as an init (or as the init's exec helper). The marker is argv[0],
// which the supervisor sets and nothing inside a sandbox can reach.
func IsInit() bool {
	return len(os.Args) == 3 && (os.Args[0] == spec.InitArg0 || os.Args[0] == spec.ExecArg0)
}

// Init runs the sandbox init. It never returns: it ends in execve(2) of the
// sandboxed program, in the reaper loop of pid 1, or in os.Exit after writing
// a setup error for the supervisor. It must be called only when IsInit reports
// true, before the program does anything else.
func Init() {
	initMain()
	os.Exit(255)
}
