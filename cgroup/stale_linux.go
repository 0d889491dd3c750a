//go:build linux

package cgroup

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// staleAge is how old a group of a vanished process must be before New
// removes it. A group is empty for a moment between New and the placement
// of its first process; a supervisor in another pid namespace (whose pid
// we cannot see) must not lose its group in that moment.
const staleAge = time.Minute

// swept holds the parent directories this process has swept.
var swept sync.Map

// sweepOnce removes the stale groups under parent the first time this
// process creates a group there: a service that was killed before it could
// call Delete leaves its groups behind, and its next start cleans them up.
// It is best effort; New does not depend on it.
func sweepOnce(parent string) {
	if _, done := swept.LoadOrStore(parent, struct{}{}); !done {
		removeStale(parent, staleAge)
	}
}

// RemoveStale removes, under the caller's own cgroups, the groups that New
// made in processes which no longer exist and that hold no process and are
// at least minAge old. It returns the directories it removed. New does this
// once per parent and process with a minAge of one minute; call RemoveStale
// to clean up at another time.
//
// A group's creator is the pid in its name ("lockbox-<pid>-<random>"). A
// group whose creator's pid is in use again is left alone: the sweep never
// removes a group it cannot prove abandoned.
func RemoveStale(minAge time.Duration) ([]string, error) {
	pc, ms, err := readSelf()
	if err != nil {
		return nil, err
	}
	var parents []string
	switch Mode() {
	case Unified:
		if mnt, ok := v2Mount(ms); ok && pc.HasV2 {
			parents = append(parents, groupDir(mnt, selfRel(pc.V2)))
		}
	case Legacy, Hybrid:
		for _, c := range v1Controllers {
			mnt, ok := v1Mount(ms, c)
			own, has := pc.V1[c]
			if ok && has {
				if dir := groupDir(mnt, own); !slices.Contains(parents, dir) {
					parents = append(parents, dir)
				}
			}
		}
	}
	var removed []string
	for _, p := range parents {
		removed = append(removed, removeStale(p, minAge)...)
	}
	return removed, nil
}

// removeStale removes the abandoned groups directly under parent.
func removeStale(parent string, minAge time.Duration) []string {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		pid, ok := creator(e.Name())
		if !ok || !e.IsDir() || pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		var st unix.Stat_t
		if unix.Stat(dir, &st) != nil || time.Since(time.Unix(st.Ctim.Unix())) < minAge {
			continue
		}
		if procs, err := readProcs(dir); err != nil || len(procs) > 0 {
			continue
		}
		if unix.Rmdir(dir) == nil {
			removed = append(removed, dir)
		}
	}
	return removed
}

// creator returns the pid in a group name made by randomName.
func creator(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, groupPrefix)
	if !ok {
		return 0, false
	}
	p, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(p)
	return pid, ok && err == nil && pid > 0
}
