//go:build linux

package caps

import (
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/syndtr/gocapability/capability"
	"golang.org/x/sys/unix"
)

// Last returns the highest capability the running kernel knows: 40
// (CAP_CHECKPOINT_RESTORE) on Linux 5.9 and later. The first call reads
// /proc/sys/kernel/cap_last_cap (Linux 3.2); where that file does not exist,
// as in a mount namespace without /proc, it falls back to probing with
// PR_CAPBSET_READ, which fails with EINVAL for a number the kernel does not
// know. The result, or the error, is cached for the life of the process.
func Last() (Cap, error) { return lastCap() }

var lastCap = sync.OnceValues(func() (Cap, error) {
	const path = "/proc/sys/kernel/cap_last_cap"
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return probeLast()
	}
	if err != nil {
		return 0, fmt.Errorf("caps: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > int(maxCap) {
		return 0, fmt.Errorf("caps: %s holds %q, not a number in [0, %d]", path, b, maxCap)
	}
	return Cap(n), nil
})

// probeLast finds the highest capability the kernel knows by a binary search
// with PR_CAPBSET_READ (Linux 2.6.25), which needs no privilege and fails
// with EINVAL for an unknown number. CAP_CHOWN always exists.
func probeLast() (Cap, error) {
	lo, hi := Chown, maxCap // lo is known; every number above hi is unknown
	for lo < hi {
		mid := (lo + hi + 1) / 2
		err := unix.Prctl(unix.PR_CAPBSET_READ, uintptr(mid), 0, 0, 0)
		switch {
		case err == nil:
			lo = mid
		case errors.Is(err, unix.EINVAL):
			hi = mid - 1
		default:
			return 0, fmt.Errorf("caps: probing the last capability: %w",
				os.NewSyscallError("prctl(PR_CAPBSET_READ)", err))
		}
	}
	return lo, nil
}

// All returns every capability the running kernel knows, from CAP_CHOWN to
// [Last].
func All() (Set, error) {
	last, err := Last()
	if err != nil {
		return None, err
	}
	return upTo(last), nil
}

// SetKeepCaps sets (on) or clears the calling thread's PR_SET_KEEPCAPS flag.
// While it is set, a change of all of the thread's uids from 0 to non-zero
// keeps the permitted set; the effective and ambient sets are cleared
// regardless. Set it before setresuid(2) to a non-zero uid so that
// [ApplyToThread] can still drop the bounding set and keep capabilities.
// ApplyToThread clears it again, and so does execve(2).
func SetKeepCaps(on bool) error {
	var v uintptr
	if on {
		v = 1
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, v, 0, 0, 0); err != nil {
		return fmt.Errorf("caps: %w", os.NewSyscallError("prctl(PR_SET_KEEPCAPS)", err))
	}
	return nil
}

// ApplyToThread makes all five capability sets of the calling thread exactly
// keep, so that the program it then executes starts with keep in its
// permitted and effective sets, whatever its uid, and can gain nothing beyond
// keep (its bounding set). In order, it:
//
//  1. drops from the bounding set every capability the kernel knows that keep
//     does not hold (PR_CAPBSET_DROP, which needs CAP_SETPCAP in the effective
//     set; if CAP_SETPCAP is only permitted, as after setresuid with
//     PR_SET_KEEPCAPS, it is raised first);
//  2. sets the effective, permitted and inheritable sets to keep (capset(2));
//  3. clears the ambient set and raises each capability of keep in it
//     (PR_CAP_AMBIENT), so that keep survives execve(2) of a program without
//     file capabilities even for a non-root uid;
//  4. clears PR_SET_KEEPCAPS.
//
// The caller must respect these constraints:
//   - The goroutine must be locked with [runtime.LockOSThread], on the thread
//     that will call execve(2): every set belongs to one thread, and execve
//     keeps only the thread that calls it. Do not unlock it afterwards.
//   - Call it after the uid and gid changes (setgroups, setresgid, setresuid as
//     raw per-thread syscalls). Changing all uids from 0 to non-zero clears
//     the effective and ambient sets, and the permitted set too unless
//     [SetKeepCaps](true) was called before; without it, step 1 fails with
//     EPERM.
//   - The thread needs every capability of keep in its permitted and bounding
//     sets, and CAP_SETPCAP in its permitted set unless the bounding set
//     already lacks everything to drop.
//   - Setting no_new_privs and loading seccomp after it is fine and intended:
//     neither needs a capability, and a filter loaded before could deny
//     capset or prctl.
//
// keep may hold only capabilities the running kernel knows: otherwise
// ApplyToThread changes nothing and returns an error wrapping
// [ErrUnsupported]. To keep what the kernel has, pass keep.Intersect(all)
// with all from [All]. Capabilities above [Last] do not exist and are not
// dropped.
//
// On error the sets may be partly changed, though never beyond the thread's
// former permitted set: the caller must not execute the program.
//
// Requires Linux 4.3 (ambient capabilities) when keep is not [None].
func ApplyToThread(keep Set) error {
	last, err := Last()
	if err != nil {
		return err
	}
	known := upTo(last)
	if extra := keep.Difference(known); extra != None {
		return fmt.Errorf("caps: cannot keep %v: the running kernel knows capabilities up to %v only: %w",
			extra, last, ErrUnsupported)
	}
	cur, err := capget()
	if err != nil {
		return err
	}

	// Bounding set, while CAP_SETPCAP can still be effective.
	if drop := known.Difference(keep); drop != None {
		if !cur.Effective.Has(SetPCap) && cur.Permitted.Has(SetPCap) {
			if err := capset(cur.Effective.With(SetPCap), cur.Permitted, cur.Inheritable); err != nil {
				return fmt.Errorf("caps: raising CAP_SETPCAP to drop the bounding set: %w", err)
			}
		}
		for m := uint64(drop); m != 0; m &= m - 1 {
			c := Cap(bits.TrailingZeros64(m))
			err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
			if err == nil {
				continue
			}
			if errors.Is(err, unix.EPERM) {
				if in, rerr := inBounding(c); rerr == nil && !in {
					continue // already dropped: nothing to do, no CAP_SETPCAP needed
				}
				if !cur.Permitted.Has(SetPCap) {
					err = fmt.Errorf("%w (CAP_SETPCAP is not permitted: call SetKeepCaps(true) before setresuid)", err)
				}
			}
			return fmt.Errorf("caps: dropping %v from the bounding set: %w", c,
				os.NewSyscallError("prctl(PR_CAPBSET_DROP)", err))
		}
	}

	// Effective, permitted, inheritable.
	if err := capset(keep, keep, keep); err != nil {
		return fmt.Errorf("caps: setting the effective, permitted and inheritable sets to %v: %w", keep, err)
	}

	// Ambient: clear, then raise what is kept (needs it permitted and inheritable).
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		// Before Linux 4.3 there is no ambient set, so nothing to clear.
		if !errors.Is(err, unix.EINVAL) || keep != None {
			return fmt.Errorf("caps: clearing the ambient set: %w",
				os.NewSyscallError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", err))
		}
	}
	for m := uint64(keep); m != 0; m &= m - 1 {
		c := Cap(bits.TrailingZeros64(m))
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("caps: raising %v in the ambient set: %w", c,
				os.NewSyscallError("prctl(PR_CAP_AMBIENT_RAISE)", err))
		}
	}

	return SetKeepCaps(false)
}

// inBounding reports whether c is in the calling thread's bounding set.
func inBounding(c Cap) (bool, error) {
	r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
	if err != nil {
		return false, os.NewSyscallError("prctl(PR_CAPBSET_READ)", err)
	}
	return r == 1, nil
}

// capget returns the calling thread's effective, permitted and inheritable
// sets. It calls capget(2) itself, with pid 0 for the calling thread:
// gocapability's Load also reads the bounding and ambient sets from
// /proc/self/status, which describes the thread-group leader rather than
// the calling thread, and fails where /proc is not mounted.
func capget() (Sets, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return Sets{}, fmt.Errorf("caps: %w", os.NewSyscallError("capget", err))
	}
	return Sets{
		Effective:   Set(data[0].Effective) | Set(data[1].Effective)<<32,
		Permitted:   Set(data[0].Permitted) | Set(data[1].Permitted)<<32,
		Inheritable: Set(data[0].Inheritable) | Set(data[1].Inheritable)<<32,
	}, nil
}

// capset sets the calling thread's effective, permitted and inheritable sets
// with gocapability, whose Apply(CAPS) is a plain capset(2) for pid 0, the
// calling thread. Its Apply(BOUNDS) and Apply(AMBS) are not used: in the
// pinned version the first silently drops nothing when CAP_SETPCAP is not
// effective and the second discards every prctl error, and both would fail
// open.
func capset(eff, perm, inh Set) error {
	c, err := capability.NewPid2(0)
	if err != nil {
		return fmt.Errorf("capget version probe: %w", err)
	}
	c.Clear(capability.CAPS)
	list := make([]capability.Cap, 0, 64)
	for _, x := range [...]struct {
		which capability.CapType
		set   Set
	}{{capability.EFFECTIVE, eff}, {capability.PERMITTED, perm}, {capability.INHERITABLE, inh}} {
		list = list[:0]
		for m := uint64(x.set); m != 0; m &= m - 1 {
			list = append(list, capability.Cap(bits.TrailingZeros64(m)))
		}
		c.Set(x.which, list...)
	}
	if err := c.Apply(capability.CAPS); err != nil {
		return os.NewSyscallError("capset", err)
	}
	return nil
}

// ReadThread returns the calling thread's five sets as
// /proc/thread-self/status (Linux 3.17) shows them. Lock the goroutine to its
// thread with [runtime.LockOSThread] for the answer to mean anything.
func ReadThread() (Sets, error) { return readStatus("/proc/thread-self/status") }

// ReadProc returns the five sets of process pid as /proc/<pid>/status shows
// them: those of its thread-group leader, which other threads may not share.
func ReadProc(pid int) (Sets, error) {
	return readStatus("/proc/" + strconv.Itoa(pid) + "/status")
}

func readStatus(path string) (Sets, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sets{}, fmt.Errorf("caps: %w", err)
	}
	defer f.Close()
	return ParseStatus(f)
}
