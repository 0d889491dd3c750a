package cgroup

import (
	"errors"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Hints returned in [Error.Hint].
const (
	hintParent   = "Options.Parent must name an existing cgroup, relative to the cgroup mount (e.g. \"/myjudge\" for /sys/fs/cgroup/myjudge on v2, /sys/fs/cgroup/<controller>/myjudge on v1), or be \"\" for the caller's own cgroup"
	hintDelegate = "this process may not manage that cgroup: run as root, or get a delegated cgroup from systemd (systemd-run --user -p Delegate=yes --scope CMD, or Delegate=yes in the service unit) and create groups in it"
)

// supervisorName is the leaf that New moves the caller's processes into on
// cgroup v2, when the caller's own cgroup must hand its controllers down.
const supervisorName = "lockbox-supervisor"

// groupPrefix starts the name of every group New creates.
const groupPrefix = "lockbox-"

// groupDir returns the directory of the cgroup rel (a path relative to the
// hierarchy's root, as /proc/self/cgroup shows it) on mount m. A mount
// whose root is not the hierarchy's root (a bind mount, or a cgroup
// namespace's view) shows rel without that prefix.
func groupDir(m mount, rel string) string {
	if m.Root != "/" && (rel == m.Root || strings.HasPrefix(rel, m.Root+"/")) {
		rel = strings.TrimPrefix(rel, m.Root)
	}
	return filepath.Join(m.Point, rel)
}

// checkParentPath rejects an Options.Parent that could leave the hierarchy.
func checkParentPath(p string) error {
	if slices.Contains(strings.Split(p, "/"), "..") {
		return &Error{Op: "parent", Path: p, Err: errors.New(`".." is not allowed`), Hint: hintParent}
	}
	return nil
}

// selfRel returns the caller's own cgroup, rel, as the parent of new groups:
// if New already moved the caller into the supervisor leaf, its parent.
func selfRel(rel string) string {
	if path.Base(rel) == supervisorName {
		return path.Dir(rel)
	}
	return rel
}

// v2Mount returns the cgroup2 mount at /sys/fs/cgroup, else the first.
func v2Mount(ms []mount) (mount, bool) {
	var first *mount
	for i, m := range ms {
		if !m.V2 {
			continue
		}
		if m.Point == "/sys/fs/cgroup" {
			return m, true
		}
		if first == nil {
			first = &ms[i]
		}
	}
	if first == nil {
		return mount{}, false
	}
	return *first, true
}

// v1Mount returns the first cgroup v1 mount of controller c.
func v1Mount(ms []mount, c string) (mount, bool) {
	for _, m := range ms {
		if !m.V2 && slices.Contains(m.Controllers, c) {
			return m, true
		}
	}
	return mount{}, false
}
