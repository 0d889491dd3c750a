//go:build linux

package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary act as a child program (see helper).
const helperEnv = "LOCKBOX_CGROUP_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		helper(h)
		os.Exit(0)
	}
	code := m.Run()
	if code == 0 && os.Geteuid() == 0 && Mode() != Unavailable {
		if leaks := lockboxDirs(); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: cgroups left behind: %v\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// helper runs a child program: "alloc" touches memory until it is killed;
// "work" touches 64 MiB and spins on the CPU for 300 ms.
func helper(what string) {
	touch := func(n int) []byte {
		b := make([]byte, n)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		return b
	}
	switch what {
	case "alloc":
		var keep [][]byte
		for range 128 { // 2 GiB
			keep = append(keep, touch(16<<20))
		}
		fmt.Println("alloc: not killed after", len(keep)*16, "MiB")
		os.Exit(3)
	case "work":
		b := touch(64 << 20)
		n := 0
		for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
			n++
		}
		fmt.Println("work:", len(b), n)
	case "new": // as an unprivileged user: New must say how to get a delegated cgroup
		m, err := New(Options{Resources: Resources{Memory: 64 << 20}})
		if err == nil {
			m.Delete()
			fmt.Println("new: succeeded")
			os.Exit(3)
		}
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Hint, "Delegate=yes") {
			fmt.Println("new: error without a delegation hint:", err)
			os.Exit(4)
		}
		fmt.Println(err)
	default:
		fmt.Println("unknown helper", what)
		os.Exit(2)
	}
}

// slow scales timeouts: the v2 test guest emulates its CPU (IN_VM=1).
func slow(d time.Duration) time.Duration {
	if os.Getenv("IN_VM") != "" {
		return 10 * d
	}
	return d
}

// parentDirs returns the directories new groups go in by default: the
// caller's own cgroup (or its parent, if New moved it to the supervisor
// leaf), in every hierarchy mounted.
func parentDirs() ([]string, error) {
	pc, ms, err := readSelf()
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, m := range ms {
		switch {
		case m.V2 && Mode() == Unified:
			dirs = append(dirs, groupDir(m, selfRel(pc.V2)))
		case !m.V2 && len(m.Controllers) > 0:
			if rel, ok := pc.V1[m.Controllers[0]]; ok {
				dirs = append(dirs, groupDir(m, rel))
			}
		}
	}
	return dirs, nil
}

// created holds the names of the groups this test binary made, so that
// the leak checks ignore the groups of other processes (other packages'
// tests may run at the same time and make groups in the same parents).
var created sync.Map

// track records m's name in created and returns m.
func track(m *Manager) *Manager {
	if m != nil {
		created.Store(filepath.Base(m.Path()), true)
	}
	return m
}

// lockboxDirs lists the cgroups in the parent directories, in every
// hierarchy, whose names are in created or names.
func lockboxDirs(names ...string) []string {
	dirs, err := parentDirs()
	if err != nil {
		return []string{err.Error()}
	}
	var found []string
	for _, d := range dirs {
		es, _ := os.ReadDir(d)
		for _, e := range es {
			_, ours := created.Load(e.Name())
			if e.IsDir() && (ours || slices.Contains(names, e.Name())) {
				found = append(found, filepath.Join(d, e.Name()))
			}
		}
	}
	return found
}

// newManager is New for a test: it fails t on error and deletes the group
// when t ends.
func newManager(t testing.TB, opts Options) *Manager {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	track(m)
	t.Cleanup(func() {
		if err := m.Delete(); err != nil {
			t.Errorf("Delete: %v", err)
		}
	})
	return m
}

// A child is a process started in a group.
type child struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	once sync.Once
	err  error
}

func (c *child) wait() error {
	c.once.Do(func() { c.err = c.cmd.Wait() })
	return c.err
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start starts name in m's group the way the sandbox does: on v2 straight
// into it with CLONE_INTO_CGROUP (unless addProc), else behind a gate:
// /bin/sh waits for a line on stdin, is added with AddProc, and then
// execs name.
func start(t *testing.T, m *Manager, addProc bool, env []string, name string, args ...string) *child {
	t.Helper()
	c := &child{}
	fd, ok := m.FD()
	gate := addProc || !ok
	if gate {
		c.cmd = exec.Command("/bin/sh", append([]string{"-c", `read _ && exec "$@"`, "sh", name}, args...)...)
	} else {
		c.cmd = exec.Command(name, args...)
		c.cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	var w interface{ Close() error }
	if gate {
		p, err := c.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		w = p
		defer func() { w.Close() }()
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if err := m.AddProc(c.cmd.Process.Pid); err != nil {
			c.cmd.Process.Kill()
			c.wait()
			t.Fatal(err)
		}
		if _, err := p.Write([]byte("\n")); err != nil {
			t.Fatal(err)
		}
	} else if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		c.wait()
	})
	return c
}

// self returns the path of the test binary, to run it as a helper.
func self(t *testing.T) string {
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitProcs waits until the group has at least n processes and returns them.
func waitProcs(t *testing.T, m *Manager, c *child, n int) []int {
	t.Helper()
	deadline := time.Now().Add(slow(10 * time.Second))
	for {
		pids, err := m.procs()
		if err != nil {
			t.Fatal(err)
		}
		if len(pids) >= n {
			return pids
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			t.Fatalf("group has %d processes %v, want >= %d; child: %v, output %q",
				len(pids), pids, n, c.wait(), c.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inGroup reports whether pid is in every directory of m's group.
func inGroup(t *testing.T, m *Manager, pid int) bool {
	t.Helper()
	for _, g := range m.dirs {
		pids, err := readProcs(g.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(pids, pid) {
			t.Logf("pid %d not in %s (%v)", pid, g.Dir, pids)
			return false
		}
	}
	return true
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestMode(t *testing.T) {
	testutil.RequireRoot(t)
	l := Mode()
	t.Logf("Mode() = %v", l)
	if l == Unavailable {
		t.Fatal("Mode() = Unavailable on a machine with cgroups")
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Fatal(err)
	}
	if unified := st.Type == unix.CGROUP2_SUPER_MAGIC; unified != (l == Unified) {
		t.Errorf("Mode() = %v, but /sys/fs/cgroup is cgroup2: %v", l, unified)
	}
}

func TestNewSetsLimitsAndDeleteRemovesAll(t *testing.T) {
	testutil.RequireRoot(t)
	r := Resources{Memory: 64 << 20, PIDs: 32, CPUs: 0.5, CPUWeight: 200, IOWeight: 200}
	m, err := New(Options{Resources: r})
	if err != nil {
		t.Fatal(err)
	}
	track(m)
	dirs := slices.Clone(m.dirs)
	want := map[string]string{}
	if m.v2 {
		want = map[string]string{"memory.max": "67108864", "memory.swap.max": "0", "pids.max": "32",
			"cpu.max": "50000 100000", "cpu.weight": "200", "io.weight": "default 200"}
		if fd, ok := m.FD(); !ok || fd < 0 {
			t.Errorf("FD() = %d, %v on cgroup v2", fd, ok)
		}
	} else {
		want = map[string]string{"memory.limit_in_bytes": "67108864", "memory.memsw.limit_in_bytes": "67108864",
			"pids.max": "32", "cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000", "cpu.shares": "2048"}
		if _, ok := m.FD(); ok {
			t.Error("FD() ok on cgroup v1")
		}
		dir, _ := m.v1Dir("blkio")
		if exists(filepath.Join(dir, "blkio.weight")) {
			want["blkio.weight"] = "1000"
		} else {
			want["blkio.bfq.weight"] = "109"
		}
	}
	for f, w := range want {
		c, _, _ := strings.Cut(f, ".")
		dir := m.path
		if !m.v2 {
			dir, _ = m.v1Dir(c)
		}
		got := readString(t, filepath.Join(dir, f))
		if f == "io.weight" || f == "blkio.bfq.weight" {
			got = strings.SplitN(got, "\n", 2)[0]
		}
		if got != w {
			t.Errorf("%s = %q, want %q", f, got, w)
		}
	}
	if !strings.HasPrefix(filepath.Base(m.Path()), groupPrefix) {
		t.Errorf("Path() = %q, want a %s* directory", m.Path(), groupPrefix)
	}
	if err := m.Delete(); err != nil {
		t.Fatal(err)
	}
	for _, g := range dirs {
		if exists(g.Dir) {
			t.Errorf("%s still exists after Delete", g.Dir)
		}
	}
	if err := m.Delete(); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := m.Stats(); !errors.Is(err, ErrDeleted) {
		t.Errorf("Stats after Delete: %v, want ErrDeleted", err)
	}
	if err := m.AddProc(os.Getpid()); !errors.Is(err, ErrDeleted) {
		t.Errorf("AddProc after Delete: %v, want ErrDeleted", err)
	}
	if _, ok := m.FD(); ok {
		t.Error("FD() ok after Delete")
	}
}

func TestZeroResources(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{})
	for _, g := range m.dirs {
		if !exists(filepath.Join(g.Dir, "cgroup.procs")) {
			t.Errorf("%s is not a cgroup", g.Dir)
		}
	}
	if _, err := m.Stats(); err != nil {
		t.Error(err)
	}
}

func TestChildPlacedAndKilled(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{Resources: Resources{PIDs: 16}})
	c := start(t, m, false, nil, "/bin/sh", "-c", "sleep 30 & sleep 30")
	pids := waitProcs(t, m, c, 2) // sh and two sleeps; busybox sh execs the last one
	for _, pid := range pids {
		if !inGroup(t, m, pid) {
			t.Errorf("process %d is not in every directory of the group", pid)
		}
	}
	if m.v2 {
		cg := readString(t, "/proc/"+strconv.Itoa(c.cmd.Process.Pid)+"/cgroup")
		if !strings.HasSuffix(cg, "/"+filepath.Base(m.Path())) {
			t.Errorf("/proc/%d/cgroup = %q, want the group", c.cmd.Process.Pid, cg)
		}
	}
	t0 := time.Now()
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Kill took %v", time.Since(t0))
	if left, _ := m.procs(); len(left) > 0 {
		t.Errorf("processes left after Kill: %v", left)
	}
	for _, pid := range pids { // the background sleep is gone too (or a zombie until reaped)
		if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if f := strings.Fields(string(st)); len(f) > 2 && f[2] != "Z" {
				t.Errorf("process %d still running after Kill: %s", pid, st)
			}
		}
	}
	if err := c.wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("child exited with %v, want killed", err)
	}
}

func TestAddProc(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{})
	c := start(t, m, true, nil, "/bin/sh", "-c", "sleep 30 & sleep 30")
	pids := waitProcs(t, m, c, 2)
	for _, pid := range pids {
		if !inGroup(t, m, pid) {
			t.Errorf("process %d is not in every directory of the group", pid)
		}
	}
	if err := m.AddProc(-1); err == nil {
		t.Error("AddProc(-1) = nil")
	}
	if err := m.Delete(); err != nil { // kills what is left
		t.Fatal(err)
	}
	if err := c.wait(); err == nil {
		t.Error("child survived Delete")
	}
}

func TestStats(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{Resources: Resources{Memory: 512 << 20}})
	c := start(t, m, false, []string{helperEnv + "=work"}, self(t))
	if err := c.wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, c.out.String())
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Stats = %+v", st)
	if cpu := st.CPUUser + st.CPUSystem; cpu < 100*time.Millisecond {
		t.Errorf("CPU time = %v, want >= 100ms after a 300 ms busy loop", cpu)
	}
	if st.MemoryPeak < 64<<20 || st.MemoryPeak > 512<<20 {
		t.Errorf("MemoryPeak = %d, want 64 MiB..512 MiB after touching 64 MiB", st.MemoryPeak)
	}
	if st.MemoryCurrent > st.MemoryPeak {
		t.Errorf("MemoryCurrent %d > MemoryPeak %d", st.MemoryCurrent, st.MemoryPeak)
	}
	if st.OOMKills != 0 || st.PIDsCurrent != 0 {
		t.Errorf("OOMKills = %d, PIDsCurrent = %d, want 0 after the run", st.OOMKills, st.PIDsCurrent)
	}
	if st.PIDsPeak == 0 && exists(filepath.Join(pidsDir(m), "pids.peak")) {
		t.Error("PIDsPeak = 0 though pids.peak exists")
	}
}

// pidsDir returns the group's directory with pids.* files.
func pidsDir(m *Manager) string {
	if m.v2 {
		return m.path
	}
	d, _ := m.v1Dir("pids")
	return d
}

func TestOOMKill(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{Resources: Resources{Memory: 64 << 20}})
	c := start(t, m, false, []string{helperEnv + "=alloc"}, self(t))
	err := c.wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper exited with %v, want SIGKILL by the OOM killer\n%s", err, c.out.String())
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Stats = %+v", st)
	if st.OOMKills < 1 {
		t.Errorf("OOMKills = %d, want >= 1", st.OOMKills)
	}
	// The kernel may force a charge over memory.max by a few pages (seen:
	// one page on 6.1) while it kills; more than 1 MiB would be a bug.
	if st.MemoryPeak > 64<<20+1<<20 {
		t.Errorf("MemoryPeak = %d, well above the 64 MiB limit", st.MemoryPeak)
	}
}

func TestPIDsLimit(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{Resources: Resources{PIDs: 3}})
	c := start(t, m, false, nil, "/bin/sh", "-c", "sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait")
	err := c.wait()
	out := c.out.String()
	if err == nil || !strings.Contains(strings.ToLower(out), "fork") {
		t.Errorf("shell exited with %v and said %q; want a failed fork", err, out)
	}
	ev, err := readKeyed(filepath.Join(pidsDir(m), "pids.events"))
	if err != nil {
		t.Fatal(err)
	}
	if ev["max"] < 1 {
		t.Errorf("pids.events max = %d, want >= 1 failed fork", ev["max"])
	}
	st, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.PIDsPeak > 3 {
		t.Errorf("PIDsPeak = %d above the limit of 3", st.PIDsPeak)
	}
}

func TestKillFallbacks(t *testing.T) {
	testutil.RequireRoot(t)
	m := newManager(t, Options{})
	var noFreezer *Manager
	if !m.v2 {
		noFreezer = &Manager{fd: -1, path: m.path}
		for _, g := range m.dirs {
			if !slices.Contains(g.Controllers, "freezer") {
				noFreezer.dirs = append(noFreezer.dirs, g)
			}
		}
	}
	for _, tt := range []struct {
		name string
		m    *Manager
	}{
		{"freeze and signal", m},
		{"signal without freezer", noFreezer},
	} {
		if tt.m == nil {
			continue // v2 always has cgroup.freeze
		}
		c := start(t, m, false, nil, "/bin/sh", "-c", "sleep 30 & sleep 30 & sleep 30")
		waitProcs(t, m, c, 3)
		tt.m.mu.Lock()
		err := tt.m.killEach(time.Now().Add(slow(5 * time.Second)))
		tt.m.mu.Unlock()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if left, _ := m.procs(); len(left) > 0 {
			t.Errorf("%s: processes left: %v", tt.name, left)
		}
		c.wait()
	}
	if m.v2 {
		if st := readString(t, filepath.Join(m.path, "cgroup.freeze")); st != "0" {
			t.Errorf("cgroup.freeze = %s after kill, want thawed", st)
		}
	} else if d, ok := m.v1Dir("freezer"); ok {
		if st := readString(t, filepath.Join(d, "freezer.state")); st != "THAWED" {
			t.Errorf("freezer.state = %s after kill, want THAWED", st)
		}
	}
}

func TestBadInput(t *testing.T) {
	testutil.RequireRoot(t)
	// Each failing call gets a known name, so that we can check that it
	// left nothing behind, whatever other processes do meanwhile.
	var names []string
	try := func(opts Options) error {
		name := groupPrefix + "test-bad-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(len(names))
		names = append(names, name)
		m, err := newNamed(opts, name)
		if err == nil {
			track(m).Delete()
			t.Errorf("New(%+v) succeeded", opts)
		}
		return err
	}
	var re *ResourceError
	if err := try(Options{Resources: Resources{Memory: -1, CPUs: -1}}); !errors.As(err, &re) {
		t.Errorf("New(negative limits) = %v, want a *ResourceError", err)
	}
	err := try(Options{Parent: "/lockbox-no-such-parent", Resources: Resources{Memory: 1 << 20}})
	var ce *Error
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &ce) || ce.Hint == "" {
		t.Errorf("New(missing parent) = %v, want a not-exist *Error with a hint", err)
	}
	if err := try(Options{Parent: "/../../tmp"}); err == nil || !strings.Contains(err.Error(), "..") {
		t.Errorf(`New(Parent "/../../tmp") = %v, want an error about ".."`, err)
	}
	if Mode() != Unified {
		// The caller's own memory cgroup exists in the memory hierarchy
		// only: the check of the other hierarchies must fail before
		// anything is created in memory.
		pc, _, err := readSelf()
		if err != nil {
			t.Fatal(err)
		}
		own := pc.V1["memory"]
		if own == pc.V1["pids"] {
			t.Fatalf("test needs the memory cgroup (%q) to differ from the pids one", own)
		}
		if err := try(Options{Parent: own}); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("New(Parent %q, only in memory) = %v, want not-exist", own, err)
		}
	}

	// A parent that is a plain directory, not a cgroup, on each layout.
	tmp := t.TempDir()
	if _, err := newV2([]mount{{Point: tmp, Root: "/", V2: true}}, procCgroup{V2: "/", HasV2: true}, Options{}, "lockbox-x"); !errors.Is(err, ErrNotCgroup) {
		t.Errorf("newV2(plain directory) = %v, want ErrNotCgroup", err)
	}
	v1pc := procCgroup{V1: map[string]string{"memory": "/"}}
	if _, err := newV1([]mount{{Point: tmp, Root: "/", Controllers: []string{"memory"}}}, v1pc, Options{}, "lockbox-x"); !errors.Is(err, ErrNotCgroup) {
		t.Errorf("newV1(plain directory) = %v, want ErrNotCgroup", err)
	}
	// A limit whose controller is not mounted (v1).
	if _, err := newV1(nil, v1pc, Options{Resources: Resources{Memory: 1 << 20}}, "lockbox-x"); !errors.Is(err, ErrNoController) ||
		!strings.Contains(err.Error(), "memory") {
		t.Errorf("newV1(no memory hierarchy) = %v, want ErrNoController naming memory", err)
	}
	if es, _ := os.ReadDir(tmp); len(es) != 0 {
		t.Errorf("New created %v in a plain directory", es)
	}
	if Mode() == Unified {
		testV2ParentErrors(t)
	}
	if left := lockboxDirs(names...); len(left) > 0 {
		t.Errorf("failed New calls left cgroups: %v", left)
	}
}

// testV2ParentErrors checks an explicit Parent on cgroup v2: a parent
// without the memory controller, a parent with processes (EBUSY), and a
// good one.
func testV2ParentErrors(t *testing.T) {
	dirs, err := parentDirs()
	if err != nil {
		t.Fatal(err)
	}
	mnt := "/sys/fs/cgroup"
	// Make sure the own parent hands memory down, as New does.
	newManager(t, Options{}).Delete()

	p := filepath.Join(dirs[0], "lockbox-ptest-"+strconv.Itoa(os.Getpid()))
	q := filepath.Join(p, "lockbox-q")
	for _, d := range []string{p, q} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	created.Store(filepath.Base(p), true) // the leak check reports it if it stays
	defer os.Remove(p)
	rel := func(d string) string { return strings.TrimPrefix(d, mnt) }

	_, err = New(Options{Parent: rel(q), Resources: Resources{Memory: 16 << 20}})
	if !errors.Is(err, ErrNoController) || !strings.Contains(err.Error(), "memory") || !strings.Contains(err.Error(), q) {
		t.Errorf("New(parent without memory) = %v, want ErrNoController naming memory and %s", err, q)
	}
	if err := os.Remove(q); err != nil {
		t.Fatal(err)
	}

	// A parent with a process in it cannot hand memory down: EBUSY, with a hint.
	sleep := exec.Command("sleep", "30")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(p, "cgroup.procs"), strconv.Itoa(sleep.Process.Pid)); err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Parent: rel(p), Resources: Resources{Memory: 16 << 20}})
	sleep.Process.Kill()
	sleep.Wait()
	var ce *Error
	if !errors.Is(err, unix.EBUSY) || !errors.As(err, &ce) || !strings.Contains(ce.Hint, "no internal processes") {
		t.Errorf("New(parent with processes) = %v, want EBUSY with a hint", err)
	}
	for deadline := time.Now().Add(slow(time.Second)); exists(filepath.Join(p, "cgroup.procs")) &&
		readString(t, filepath.Join(p, "cgroup.procs")) != "" && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}

	// An empty parent is fine.
	m, err := New(Options{Parent: rel(p), Resources: Resources{Memory: 16 << 20}})
	if err != nil {
		t.Fatalf("New(empty explicit parent): %v", err)
	}
	track(m)
	if filepath.Dir(m.Path()) != p {
		t.Errorf("Path() = %s, want a child of %s", m.Path(), p)
	}
	if got := readString(t, filepath.Join(m.Path(), "memory.max")); got != "16777216" {
		t.Errorf("memory.max = %s", got)
	}
	if err := m.Delete(); err != nil {
		t.Fatal(err)
	}
}

func TestUnprivilegedGetsHint(t *testing.T) {
	testutil.RequireRoot(t)
	// A copy of the test binary that user nobody may run.
	dir, err := os.MkdirTemp("", "lockbox-cgroup-test")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, err := os.ReadFile(self(t))
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "cgroup.test")
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"=new")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody: %s", out)
	if err != nil {
		t.Errorf("helper: %v", err)
	}
}

func TestOwnCgroupAfterNew(t *testing.T) {
	testutil.RequireRoot(t)
	before, _, err := readSelf()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, Options{Resources: Resources{Memory: 32 << 20, PIDs: 8}})
	after, _, err := readSelf()
	if err != nil {
		t.Fatal(err)
	}
	if !m.v2 {
		if !slices.Equal(sortedKeys(before.V1), sortedKeys(after.V1)) || before.V1["memory"] != after.V1["memory"] {
			t.Errorf("New moved the caller on cgroup v1: %v -> %v", before.V1, after.V1)
		}
		return
	}
	parent := filepath.Dir(m.Path())
	t.Logf("own cgroup %s -> %s; group %s", before.V2, after.V2, m.Path())
	if after.V2 != before.V2 && after.V2 != selfRel(before.V2)+"/"+supervisorName {
		t.Errorf("own cgroup moved from %s to %s", before.V2, after.V2)
	}
	sc := readString(t, filepath.Join(parent, "cgroup.subtree_control"))
	for _, c := range []string{"memory", "pids"} {
		if !strings.Contains(sc, c) {
			t.Errorf("%s/cgroup.subtree_control = %q, want %s", parent, sc, c)
		}
	}
	if parent != "/sys/fs/cgroup" {
		if procs := readString(t, filepath.Join(parent, "cgroup.procs")); procs != "" {
			t.Errorf("parent %s still has processes %q", parent, procs)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func countFDs(t *testing.T) int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestManyCycles(t *testing.T) {
	testutil.RequireRoot(t)
	fds := countFDs(t)
	r := Resources{Memory: 64 << 20, PIDs: 64, CPUs: 1, CPUWeight: 100}
	t0 := time.Now()
	const n = 200
	for i := range n {
		m, err := New(Options{Resources: r})
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		track(m)
		if _, err := m.Stats(); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if err := m.Delete(); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
	}
	t.Logf("%d create/limits/stats/delete cycles in %v (%v each)", n, time.Since(t0), time.Since(t0)/n)
	if got := countFDs(t); got != fds {
		t.Errorf("open fds: %d before, %d after", fds, got)
	}
	if left := lockboxDirs(); len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
}

func TestConcurrentManagers(t *testing.T) {
	testutil.RequireRoot(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 10 {
				m, err := New(Options{Resources: Resources{PIDs: 10}})
				if err != nil {
					errs <- err
					return
				}
				track(m)
				go m.Stats()
				if err := m.Delete(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkNewDelete(b *testing.B) {
	testutil.RequireRoot(b)
	r := Resources{Memory: 64 << 20, PIDs: 64, CPUs: 1}
	for b.Loop() {
		m, err := New(Options{Resources: r})
		if err != nil {
			b.Fatal(err)
		}
		track(m)
		if _, err := m.Stats(); err != nil {
			b.Fatal(err)
		}
		if err := m.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}
