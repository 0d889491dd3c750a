//go:build linux

package cgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lockbox-dev/lockbox/internal/testutil"
)

func TestCreator(t *testing.T) {
	for name, want := range map[string]int{
		"lockbox-123-0011223344556677": 123,
		"lockbox-supervisor":           0,
		"lockbox-0011223344556677":     0,
		"lockbox--x":                   0,
		"other-123-x":                  0,
	} {
		if got, ok := creator(name); ok != (want != 0) || (ok && got != want) {
			t.Errorf("creator(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if pid, ok := creator(randomName()); !ok || pid != os.Getpid() {
		t.Errorf("randomName() does not carry this pid: %d %v", pid, ok)
	}
}

func TestRemoveStale(t *testing.T) {
	testutil.RequireRoot(t)
	// A pid that existed and is gone.
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(c.Process.Pid)
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Delete()
	parent := filepath.Dir(m.Path())
	abandoned := filepath.Join(parent, groupPrefix+dead+"-test")
	mine := filepath.Join(parent, groupPrefix+strconv.Itoa(os.Getpid())+"-test")
	for _, d := range []string{abandoned, mine} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(d)
	}
	// Too young: kept.
	if removed, err := RemoveStale(time.Hour); err != nil || slices.Contains(removed, abandoned) {
		t.Errorf("RemoveStale(1h) = %v, %v: removed a young group", removed, err)
	}
	removed, err := RemoveStale(0)
	if err != nil || !slices.Contains(removed, abandoned) {
		t.Errorf("RemoveStale(0) = %v, %v: want %s removed", removed, err, abandoned)
	}
	for _, d := range []string{mine, m.Path()} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s of a live process was removed", d)
		}
	}
	if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
		t.Errorf("%s still exists", abandoned)
	}
}
