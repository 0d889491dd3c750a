//go:build linux

package cgroup

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// readFile reads a cgroup file.
func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

// writeFile writes data to an existing cgroup file in one write(2), as
// the kernel expects. It does not create the file: a missing file is ENOENT.
func writeFile(p, data string) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// errno returns the syscall.Errno inside err (from an *os.PathError or
// *os.SyscallError), or err itself.
func errno(err error) error {
	var en unix.Errno
	if errors.As(err, &en) {
		return en
	}
	return err
}

// randomName returns a fresh group name: "lockbox-", the creating
// process's pid (see RemoveStale), "-" and 16 hex digits.
func randomName() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24)
	return groupPrefix + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// checkCgroupDir reports whether dir is an existing directory on a cgroup
// (v2: cgroup2) file system.
func checkCgroupDir(dir string, v2 bool) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return &Error{Op: "parent", Path: dir, Err: err, Hint: hintParent}
	}
	magic := int64(unix.CGROUP_SUPER_MAGIC)
	if v2 {
		magic = unix.CGROUP2_SUPER_MAGIC
	}
	if int64(st.Type) != magic {
		return &Error{Op: "parent", Path: dir, Err: ErrNotCgroup, Hint: hintParent}
	}
	if fi, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil || !fi.Mode().IsRegular() {
		return &Error{Op: "parent", Path: dir, Err: ErrNotCgroup, Hint: hintParent}
	}
	return nil
}

// mkdirGroup creates the group directory dir.
func mkdirGroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		e := &Error{Op: "mkdir", Path: dir, Err: errno(err)}
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EROFS) {
			e.Hint = hintDelegate
		}
		return e
	}
	return nil
}

// rmdirGroup removes the group directory dir, retrying while the kernel
// still counts exiting processes in it (EBUSY) until deadline. A directory
// that is already gone is not an error.
func rmdirGroup(dir string, deadline time.Time) error {
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		err := unix.Rmdir(dir)
		if err == nil || err == unix.ENOENT {
			return nil
		}
		if err != unix.EBUSY || time.Now().After(deadline) {
			return &Error{Op: "rmdir", Path: dir, Err: err}
		}
		time.Sleep(wait)
	}
}

// writeValue writes v into the group directory dir, falling back to v.Else
// and skipping an Optional value when the file does not exist.
func writeValue(dir string, v value) error {
	p := filepath.Join(dir, v.File)
	err := writeFile(p, v.Data)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		if v.Else != nil {
			e := *v.Else
			e.Optional = e.Optional || v.Optional
			return writeValue(dir, e)
		}
		if v.Optional {
			return nil
		}
		return &Error{Op: "set " + v.File, Path: dir, Err: errno(err),
			Hint: "the running kernel has no " + v.File + " (see the Resources field's doc)"}
	}
	return &Error{Op: "write " + quote(v.Data) + " to", Path: p, Err: errno(err)}
}

func quote(s string) string { return `"` + s + `"` }

// readProcs returns the pids in dir/cgroup.procs; none if dir is gone.
func readProcs(dir string) ([]int, error) {
	b, err := readFile(filepath.Join(dir, "cgroup.procs"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{Op: "read", Path: filepath.Join(dir, "cgroup.procs"), Err: errno(err)}
	}
	return parsePIDs(bytes.NewReader(b))
}

// readUint reads a one-number file; a missing file reads as 0.
func readUint(p string) (uint64, error) {
	b, err := readFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, &Error{Op: "read", Path: p, Err: errno(err)}
	}
	n, err := parseUint(bytes.NewReader(b))
	if err != nil {
		return 0, &Error{Op: "parse", Path: p, Err: err}
	}
	return n, nil
}

// readKeyed reads a flat keyed file; a missing file reads as empty.
func readKeyed(p string) (map[string]uint64, error) {
	b, err := readFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]uint64{}, nil
	}
	if err != nil {
		return nil, &Error{Op: "read", Path: p, Err: errno(err)}
	}
	return parseKeyed(bytes.NewReader(b))
}

// readSelf reads /proc/self/cgroup and /proc/self/mountinfo.
func readSelf() (procCgroup, []mount, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return procCgroup{}, nil, &Error{Op: "read", Path: "/proc/self/cgroup", Err: errno(err)}
	}
	pc, err := parseProcCgroup(f)
	f.Close()
	if err != nil {
		return pc, nil, err
	}
	f, err = os.Open("/proc/self/mountinfo")
	if err != nil {
		return pc, nil, &Error{Op: "read", Path: "/proc/self/mountinfo", Err: errno(err)}
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	return pc, ms, err
}
