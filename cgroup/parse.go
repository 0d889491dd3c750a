package cgroup

// Parsers of the files this package reads. Each takes an io.Reader, so that
// it is tested on fixtures in testdata/ without a kernel.

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// procCgroup is the content of /proc/<pid>/cgroup.
type procCgroup struct {
	V1    map[string]string // controller (or "name=systemd") -> path
	V2    string            // the "0::" line's path; "" if there is none
	HasV2 bool
}

// parseProcCgroup parses /proc/<pid>/cgroup: "hierarchy-ID:controllers:path"
// lines; cgroup v2 is the line "0::path".
func parseProcCgroup(r io.Reader) (procCgroup, error) {
	pc := procCgroup{V1: map[string]string{}}
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return pc, fmt.Errorf("cgroup: bad /proc/self/cgroup line %q", line)
		}
		if parts[0] == "0" && parts[1] == "" {
			pc.V2, pc.HasV2 = parts[2], true
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c != "" {
				pc.V1[c] = parts[2]
			}
		}
	}
	return pc, s.Err()
}

// A mount is a cgroup or cgroup2 file system in /proc/self/mountinfo.
type mount struct {
	Point       string   // where it is mounted
	Root        string   // the cgroup shown at Point, relative to the hierarchy's root ("/" unless in a cgroup namespace or a bind mount)
	V2          bool     // cgroup2
	Controllers []string // v1: the controllers (and "name=..." of a named hierarchy)
}

// parseMountinfo returns the cgroup and cgroup2 mounts in a
// /proc/<pid>/mountinfo, in order. Its lines are
//
//	36 35 98:0 /root /mnt rw,noatime master:1 - cgroup cgroup rw,memory
//	(1)(2)(3)  (4)   (5)  (6)       (7)       (8)(9)   (10)   (11)
//
// with zero or more optional fields (7) ended by "-".
func parseMountinfo(r io.Reader) ([]mount, error) {
	var ms []mount
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 0 {
			continue
		}
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+3 >= len(f) {
			return nil, fmt.Errorf("cgroup: bad mountinfo line %q", s.Text())
		}
		fstype := f[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := mount{Point: unescapeOctal(f[4]), Root: unescapeOctal(f[3]), V2: fstype == "cgroup2"}
		if !m.V2 {
			for _, o := range strings.Split(f[sep+3], ",") {
				if o == "rw" || o == "ro" || strings.HasPrefix(o, "release_agent=") ||
					o == "clone_children" || o == "noprefix" || o == "xattr" || o == "cpuset_v2_mode" {
					continue
				}
				m.Controllers = append(m.Controllers, o)
			}
		}
		ms = append(ms, m)
	}
	return ms, s.Err()
}

// unescapeOctal undoes mountinfo's \ooo escapes of space, tab, newline
// and backslash.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseKeyed parses a flat keyed file ("key value" lines), as cpu.stat,
// memory.events, memory.oom_control, cpuacct.stat and pids.events are.
// Values that are not unsigned integers are skipped.
func parseKeyed(r io.Reader) (map[string]uint64, error) {
	m := map[string]uint64{}
	s := bufio.NewScanner(r)
	for s.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(s.Text()), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			m[k] = n
		}
	}
	return m, s.Err()
}

// parseUint parses a file holding one unsigned integer, or "max" (returned
// as math.MaxUint64), as memory.current, memory.peak, pids.current and the
// v1 *_in_bytes files do.
func parseUint(r io.Reader) (uint64, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64))
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return math.MaxUint64, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cgroup: not a number: %q", s)
	}
	return n, nil
}

// parsePIDs parses cgroup.procs: one pid a line.
func parsePIDs(r io.Reader) ([]int, error) {
	var pids []int
	s := bufio.NewScanner(r)
	for s.Scan() {
		t := strings.TrimSpace(s.Text())
		if t == "" {
			continue
		}
		pid, err := strconv.Atoi(t)
		if err != nil || pid <= 0 {
			return pids, fmt.Errorf("cgroup: bad pid %q in cgroup.procs", t)
		}
		pids = append(pids, pid)
	}
	return pids, s.Err()
}

// parseList parses a space-separated list, as cgroup.controllers and
// cgroup.subtree_control are.
func parseList(r io.Reader) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b)), nil
}
