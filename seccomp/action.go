package seccomp

import (
	"fmt"
	"strings"

	gsb "github.com/elastic/go-seccomp-bpf"
)

// An Action is what the filter does with a system call: let it run, fail it
// with an errno, or stop the program. Its zero value is [ActionErrno], so a
// [Rule] or [Policy] that names no action denies.
type Action uint8

const (
	// ActionErrno fails the call without running it; the errno is the
	// rule's Errno or the policy's DefaultErrno, EPERM if that is zero.
	ActionErrno Action = iota
	// ActionAllow runs the call.
	ActionAllow
	// ActionKillProcess kills the whole process with SIGSYS (Linux 4.14;
	// older kernels kill only the calling thread).
	ActionKillProcess
	// ActionKillThread kills the calling thread with SIGSYS.
	ActionKillThread
	// ActionTrap delivers SIGSYS to the calling thread, which may handle it.
	ActionTrap
	// ActionLog runs the call and logs it to the audit log (Linux 4.14).
	ActionLog

	numActions // keep last
)

// actionNames holds each action's text form first, then the libseccomp
// names UnmarshalText also accepts. One table, so the names cannot drift
// apart (go-seccomp-bpf's actionNames lost ActionUserNotify that way).
var actionNames = [numActions][]string{
	ActionErrno:       {"errno", "SCMP_ACT_ERRNO"},
	ActionAllow:       {"allow", "SCMP_ACT_ALLOW"},
	ActionKillProcess: {"kill_process", "SCMP_ACT_KILL_PROCESS"},
	ActionKillThread:  {"kill_thread", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL"},
	ActionTrap:        {"trap", "SCMP_ACT_TRAP"},
	ActionLog:         {"log", "SCMP_ACT_LOG"},
}

// kernelActions maps each action to its SECCOMP_RET_* value, taken from
// go-seccomp-bpf (include/uapi/linux/seccomp.h).
var kernelActions = [numActions]gsb.Action{
	ActionErrno:       gsb.ActionErrno,
	ActionAllow:       gsb.ActionAllow,
	ActionKillProcess: gsb.ActionKillProcess,
	ActionKillThread:  gsb.ActionKillThread,
	ActionTrap:        gsb.ActionTrap,
	ActionLog:         gsb.ActionLog,
}

func (a Action) valid() bool { return a < numActions }

// String returns the action's name: "errno", "allow", "kill_process",
// "kill_thread", "trap" or "log".
func (a Action) String() string {
	if !a.valid() {
		return fmt.Sprintf("Action(%d)", uint8(a))
	}
	return actionNames[a][0]
}

// MarshalText implements [encoding.TextMarshaler]; it fails for an
// out-of-range Action.
func (a Action) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("seccomp: invalid action %d", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. It accepts the
// names String returns and the libseccomp names (SCMP_ACT_ALLOW,
// SCMP_ACT_ERRNO, SCMP_ACT_KILL, ...), in any case.
func (a *Action) UnmarshalText(text []byte) error {
	s := string(text)
	for i, names := range actionNames {
		for _, n := range names {
			if strings.EqualFold(s, n) {
				*a = Action(i)
				return nil
			}
		}
	}
	return fmt.Errorf("seccomp: unknown action %q", s)
}

// ret returns the SECCOMP_RET_* value the filter returns for a, with errno in
// SECCOMP_RET_DATA for ActionErrno. errno must already be resolved (non-zero).
func (a Action) ret(errno uint16) uint32 {
	r := uint32(kernelActions[a])
	if a == ActionErrno {
		r |= uint32(errno)
	}
	return r
}

// An Op compares a system call argument with a value in an [Arg].
// Its zero value is invalid, so an Arg must say which comparison it makes.
type Op uint8

const (
	OpEqual          Op = iota + 1 // arg == Value
	OpNotEqual                     // arg != Value
	OpLess                         // arg < Value
	OpLessOrEqual                  // arg <= Value
	OpGreater                      // arg > Value
	OpGreaterOrEqual               // arg >= Value
	OpMaskedEqual                  // arg & Mask == Value

	numOps // keep last
)

// opNames holds each operator's text form, its symbol for messages, and the
// libseccomp name used in OCI profiles.
var opNames = [numOps]struct{ text, symbol, scmp string }{
	OpEqual:          {"eq", "==", "SCMP_CMP_EQ"},
	OpNotEqual:       {"ne", "!=", "SCMP_CMP_NE"},
	OpLess:           {"lt", "<", "SCMP_CMP_LT"},
	OpLessOrEqual:    {"le", "<=", "SCMP_CMP_LE"},
	OpGreater:        {"gt", ">", "SCMP_CMP_GT"},
	OpGreaterOrEqual: {"ge", ">=", "SCMP_CMP_GE"},
	OpMaskedEqual:    {"masked_eq", "&==", "SCMP_CMP_MASKED_EQ"},
}

func (o Op) valid() bool { return o > 0 && o < numOps }

// String returns the operator's name: "eq", "ne", "lt", "le", "gt", "ge" or
// "masked_eq".
func (o Op) String() string {
	if !o.valid() {
		return fmt.Sprintf("Op(%d)", uint8(o))
	}
	return opNames[o].text
}

// MarshalText implements [encoding.TextMarshaler]; it fails for an invalid Op.
func (o Op) MarshalText() ([]byte, error) {
	if !o.valid() {
		return nil, fmt.Errorf("seccomp: invalid operator %d", uint8(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]. It accepts the names
// String returns and the libseccomp names (SCMP_CMP_EQ, ...), in any case.
func (o *Op) UnmarshalText(text []byte) error {
	s := string(text)
	for i := OpEqual; i < numOps; i++ {
		if strings.EqualFold(s, opNames[i].text) || strings.EqualFold(s, opNames[i].scmp) {
			*o = i
			return nil
		}
	}
	return fmt.Errorf("seccomp: unknown operator %q", s)
}
