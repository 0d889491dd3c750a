package cgroup

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func open(t *testing.T, name string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReader(string(b))
}

func TestParseProcCgroup(t *testing.T) {
	for _, tt := range []struct {
		file string
		want procCgroup
	}{
		{"proc-cgroup-hybrid", procCgroup{V1: map[string]string{
			"name=systemd": "/", "pids": "/", "blkio": "/", "freezer": "/", "devices": "/",
			"memory": "/process_api/090b5e5b3469a438957f12922cc0a4f4", "cpuset": "/", "cpuacct": "/", "cpu": "/",
		}, V2: "/", HasV2: true}},
		{"proc-cgroup-unified", procCgroup{V1: map[string]string{}, V2: "/payload.service", HasV2: true}},
		{"proc-cgroup-legacy", procCgroup{V1: map[string]string{
			"hugetlb": "/", "cpu": "/user.slice/judge.service", "cpuacct": "/user.slice/judge.service",
			"memory": "/user.slice/judge.service", "pids": "/user.slice/judge.service", "freezer": "/",
			"name=systemd": "/user.slice/judge.service",
		}}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseProcCgroup(open(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseProcCgroup() = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := parseProcCgroup(strings.NewReader("garbage\n")); err == nil {
		t.Error("parseProcCgroup(garbage) = nil error")
	}
}

func TestParseMountinfo(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []mount
	}{
		{"mountinfo-hybrid", []mount{
			{Point: "/sys/fs/cgroup/cpu", Root: "/", Controllers: []string{"cpu"}},
			{Point: "/sys/fs/cgroup/cpuacct", Root: "/", Controllers: []string{"cpuacct"}},
			{Point: "/sys/fs/cgroup/cpuset", Root: "/", Controllers: []string{"cpuset"}},
			{Point: "/sys/fs/cgroup/memory", Root: "/", Controllers: []string{"memory"}},
			{Point: "/sys/fs/cgroup/devices", Root: "/", Controllers: []string{"devices"}},
			{Point: "/sys/fs/cgroup/freezer", Root: "/", Controllers: []string{"freezer"}},
			{Point: "/sys/fs/cgroup/blkio", Root: "/", Controllers: []string{"blkio"}},
			{Point: "/sys/fs/cgroup/pids", Root: "/", Controllers: []string{"pids"}},
			{Point: "/sys/fs/cgroup/systemd", Root: "/", Controllers: []string{"name=systemd"}},
			{Point: "/sys/fs/cgroup/unified", Root: "/", V2: true},
		}},
		{"mountinfo-unified", []mount{{Point: "/sys/fs/cgroup", Root: "/", V2: true}}},
		{"mountinfo-legacy", []mount{
			{Point: "/sys/fs/cgroup/systemd", Root: "/", Controllers: []string{"name=systemd"}},
			{Point: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", Controllers: []string{"cpu", "cpuacct"}},
			{Point: "/sys/fs/cgroup/memory", Root: "/", Controllers: []string{"memory"}},
			{Point: "/sys/fs/cgroup/pids", Root: "/", Controllers: []string{"pids"}},
			{Point: "/sys/fs/cgroup/freezer", Root: "/", Controllers: []string{"freezer"}},
			{Point: "/mnt/my cgroups", Root: "/user.slice", Controllers: []string{"memory"}},
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseMountinfo(open(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseMountinfo() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	if _, err := parseMountinfo(strings.NewReader("1 2 3:4 / /x rw shared:1\n")); err == nil {
		t.Error("parseMountinfo(line without separator) = nil error")
	}
}

func TestV1MountAndGroupDir(t *testing.T) {
	ms, err := parseMountinfo(open(t, "mountinfo-legacy"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v1Mount(ms, "cpuacct")
	if !ok || m.Point != "/sys/fs/cgroup/cpu,cpuacct" {
		t.Fatalf("v1Mount(cpuacct) = %+v, %v", m, ok)
	}
	if _, ok := v1Mount(ms, "blkio"); ok {
		t.Error("v1Mount(blkio) found a mount that is not there")
	}
	if got, want := groupDir(m, "/user.slice/judge.service"), "/sys/fs/cgroup/cpu,cpuacct/user.slice/judge.service"; got != want {
		t.Errorf("groupDir = %q, want %q", got, want)
	}
	// A mount of a sub-tree (bind mount, cgroup namespace) shows paths without its root.
	sub := ms[len(ms)-1]
	if got, want := groupDir(sub, "/user.slice/judge.service"), "/mnt/my cgroups/judge.service"; got != want {
		t.Errorf("groupDir(sub-tree mount) = %q, want %q", got, want)
	}
	if got, want := groupDir(sub, "/user.slicer"), "/mnt/my cgroups/user.slicer"; got != want {
		t.Errorf("groupDir(sibling of the root) = %q, want %q", got, want)
	}
	v2ms, _ := parseMountinfo(open(t, "mountinfo-unified"))
	if m, ok := v2Mount(v2ms); !ok || m.Point != "/sys/fs/cgroup" {
		t.Errorf("v2Mount = %+v, %v", m, ok)
	}
	if _, ok := v2Mount(ms); ok {
		t.Error("v2Mount found a cgroup2 mount in a legacy mountinfo")
	}
}

func TestParseKeyed(t *testing.T) {
	for _, tt := range []struct {
		file string
		want map[string]uint64
	}{
		{"v2/cpu.stat", map[string]uint64{"usage_usec": 1234567, "user_usec": 1000000, "system_usec": 234567,
			"nr_periods": 12, "nr_throttled": 3, "throttled_usec": 45678, "nr_bursts": 0, "burst_usec": 0}},
		{"v2/memory.events", map[string]uint64{"low": 0, "high": 0, "max": 57, "oom": 2, "oom_kill": 1, "oom_group_kill": 0}},
		{"v1/cpuacct.stat", map[string]uint64{"user": 31, "system": 7}},
		{"v1/memory.oom_control", map[string]uint64{"oom_kill_disable": 0, "under_oom": 0, "oom_kill": 3}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseKeyed(open(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseKeyed() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseUint(t *testing.T) {
	for _, tt := range []struct {
		file string
		want uint64
	}{
		{"v2/memory.peak", 68157440},
		{"v2/pids.max", math.MaxUint64},
		{"v1/memory.limit_in_bytes", 9223372036854771712},
	} {
		got, err := parseUint(open(t, tt.file))
		if err != nil || got != tt.want {
			t.Errorf("parseUint(%s) = %d, %v; want %d", tt.file, got, err, tt.want)
		}
	}
	if _, err := parseUint(strings.NewReader("12 34\n")); err == nil {
		t.Error("parseUint(two numbers) = nil error")
	}
}

func TestParsePIDsAndList(t *testing.T) {
	pids, err := parsePIDs(open(t, "cgroup.procs"))
	if err != nil || !reflect.DeepEqual(pids, []int{1201, 1207, 1210}) {
		t.Errorf("parsePIDs = %v, %v", pids, err)
	}
	if pids, err := parsePIDs(strings.NewReader("")); err != nil || pids != nil {
		t.Errorf("parsePIDs(empty) = %v, %v", pids, err)
	}
	if _, err := parsePIDs(strings.NewReader("12\nx\n")); err == nil {
		t.Error("parsePIDs(x) = nil error")
	}
	l, err := parseList(open(t, "v2/cgroup.controllers"))
	if err != nil || !reflect.DeepEqual(l, []string{"cpu", "io", "memory", "pids"}) {
		t.Errorf("parseList = %q, %v", l, err)
	}
	if l, _ := parseList(open(t, "v2/cgroup.subtree_control")); len(l) != 0 {
		t.Errorf("parseList(empty) = %q", l)
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:     "/a b",
		`/tab\011x`:   "/tab\tx",
		`/back\134`:   `/back\`,
		`/short\04`:   `/short\04`,
		`/plain`:      "/plain",
		`/bad\999seq`: `/bad\999seq`,
	} {
		if got := unescapeOctal(in); got != want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	e := &Error{Op: "mkdir", Path: "/sys/fs/cgroup/x", Err: ErrNotCgroup, Hint: "do this"}
	if got, want := e.Error(), "cgroup: mkdir /sys/fs/cgroup/x: not a cgroup; do this"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrNotCgroup) {
		t.Error("errors.Is(e, ErrNotCgroup) = false")
	}
	if !errors.Is(ErrUnsupported, errors.ErrUnsupported) {
		t.Error("ErrUnsupported does not wrap errors.ErrUnsupported")
	}
	for _, l := range []Layout{Unavailable, Legacy, Hybrid, Unified, 7} {
		if l.String() == "" {
			t.Errorf("Layout(%d).String() is empty", l)
		}
	}
}
