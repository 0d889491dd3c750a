package sandbox

import (
	"sync/atomic"

	"github.com/lockbox-dev/lockbox/nsenter"
)

// initCalled records that Init ran in this process and returned, which
// tells Start that a re-executed copy of this binary will run the init too.
var initCalled atomic.Bool

// Init is the re-exec hook. Call it as the first line of main, and of
// TestMain in tests that start sandboxes:
//
//	func main() {
//		sandbox.Init()
//		...
//	}
//
// In the caller it returns at once. In the copy of the binary that the
// sandbox starts as its init, it builds the sandbox and runs the program, and
// never returns. Code that runs before Init (package init functions) runs in
// the init too, so it must not have side effects.
func Init() {
	if nsenter.IsInit() {
		nsenter.Init()
	}
	initCalled.Store(true)
}
