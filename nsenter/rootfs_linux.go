//go:build linux

package nsenter

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// stagingDir is where the new root is attached before pivot_root. Any
// directory of the host view does: every host path the root needs is opened
// (open_tree) before the new root covers it.
const stagingDir = "/tmp"

// systemDirs are bound read-only from the host into the default root. A
// host symlink (merged /usr: /bin -> usr/bin) is recreated as a symlink.
var systemDirs = []string{"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"}

// etcFiles are the host /etc entries a program needs, bound read-only.
// /etc/hosts is not among them: the host's names the host (see hostsFile).
var etcFiles = []string{
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group",
	"nsswitch.conf", "resolv.conf", "localtime", "ssl", "ca-certificates",
	"ca-certificates.conf", "pki", "alternatives", "mime.types",
}

// devNodes are the host device nodes bound into the minimal /dev.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// maskedPaths and readonlyPaths follow runc's defaults. A masked file gets
// /dev/null bound over it, a masked directory an empty read-only tmpfs.
// /sys is not mounted at all, so its entries (/sys/firmware, ...) are hidden
// by absence.
var (
	maskedPaths = []string{
		"proc/acpi", "proc/asound", "proc/interrupts", "proc/kcore", "proc/keys",
		"proc/latency_stats", "proc/timer_list", "proc/timer_stats",
		"proc/sched_debug", "proc/scsi",
	}
	readonlyPaths = []string{"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger"}
)

// Mount attributes.
const (
	attrRO      = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV
	attrRW      = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV
	attrProc    = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC
	attrDevNode = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NOEXEC
)

// A source is a host entry opened (as a detached mount or a symlink
// target) while the host tree is still fully in view.
type source struct {
	target string // absolute path inside the new root
	tree   int    // detached mount from open_tree, or -1
	link   string // symlink to create instead, if tree is -1
	isDir  bool
}

// buildRoot builds the new root and pivots into it:
//
//  1. make every mount private, so nothing propagates back to the host;
//  2. open every source (system dirs, /etc files, devices, caller binds);
//  3. attach the new root (a tmpfs, or a clone of the caller's root dir);
//  4. mount, in order: system dirs, /etc, /proc and its masks, /dev, /tmp,
//     then the caller's mounts; caller targets resolve inside the new root
//     and an escaping symlink is an error;
//  5. make the root read-only (unless asked otherwise), pivot_root into it
//     and detach the old root.
func buildRoot(s *spec.Init) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("mount private", "/", err)
	}

	srcs, err := openSources(s)
	if err != nil {
		return err
	}
	defer srcs.close()

	tree, err := newRootTree(s)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, stagingDir, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fail("attach new root", stagingDir, err)
	}
	root, err := os.OpenRoot(stagingDir)
	if err != nil {
		return fail("open new root", stagingDir, err)
	}
	defer root.Close()

	if s.Root == "" {
		for _, src := range srcs.system {
			if err := place(root, src); err != nil {
				return err
			}
		}
		if err := root.WriteFile("etc/hosts", []byte(hostsFile(s.Hostname)), 0o644); err != nil {
			return fail("write", "/etc/hosts", err)
		}
	}
	if err := mountProc(root, srcs.devNull); err != nil {
		return err
	}
	if err := mountDev(root, srcs.devs); err != nil {
		return err
	}
	if err := mountTmpfs(root, "/tmp", "1777", s.TmpSize); err != nil {
		return err
	}
	for i, m := range s.Mounts {
		var err error
		if m.Kind == spec.MountTmpfs {
			err = mountTmpfs(root, m.Target, "1777", m.Size)
		} else {
			err = place(root, srcs.user[i])
		}
		if err != nil {
			return err
		}
	}

	if !s.RootWritable {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr); err != nil {
			return fail("remount read-only", "/", err)
		}
	}
	// pivot_root(".", "."): the old root ends up stacked under the new one
	// and is detached at once, without a directory to hold it.
	if err := unix.Fchdir(tree); err != nil {
		return fail("chdir", "new root", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fail("pivot_root", "", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fail("detach old root", "", err)
	}
	return fail("chdir", "/", unix.Chdir("/"))
}

// sources are the host entries the new root is made of, opened while the
// host tree is still fully in view.
type sources struct {
	system  []source // /usr, /bin, ..., /etc files: default root only
	devs    []source // device nodes for /dev
	user    []source // one per spec.Init.Mounts entry (tree -1 for tmpfs)
	devNull int      // O_PATH fd of the host /dev/null, cloned over masked files
}

func openSources(s *spec.Init) (*sources, error) {
	srcs := &sources{devNull: -1}
	add := func(list *[]source, hostPath string, attr uint64, keepLinks bool) error {
		src, ok, err := openSource(hostPath, hostPath, attr, keepLinks)
		if ok {
			*list = append(*list, src)
		}
		return err
	}
	var err error
	if s.Root == "" {
		for _, d := range systemDirs {
			if err = add(&srcs.system, "/"+d, attrRO, true); err != nil {
				break
			}
		}
		for _, f := range etcFiles {
			if err == nil {
				err = add(&srcs.system, "/etc/"+f, attrRO, false)
			}
		}
	}
	for _, d := range devNodes {
		if err == nil {
			err = add(&srcs.devs, "/dev/"+d, attrDevNode, false)
		}
	}
	if err == nil {
		srcs.devNull, err = unix.Open("/dev/null", unix.O_PATH|unix.O_CLOEXEC, 0)
		err = fail("open", "/dev/null", err)
	}
	for _, m := range s.Mounts {
		if err != nil {
			break
		}
		src := source{target: m.Target, tree: -1, isDir: true}
		if m.Kind == spec.MountBind {
			var attr uint64 = attrRO
			if m.Writable {
				attr = attrRW
			}
			src, err = openBind(m.Source, m.Target, attr)
		}
		srcs.user = append(srcs.user, src)
	}
	if err != nil {
		srcs.close()
		return nil, err
	}
	return srcs, nil
}

func (s *sources) close() {
	for _, list := range [][]source{s.system, s.devs, s.user} {
		for _, src := range list {
			if src.tree > 0 {
				unix.Close(src.tree)
			}
		}
	}
	if s.devNull >= 0 {
		unix.Close(s.devNull)
	}
}

// hostsFile is the sandbox's /etc/hosts: loopback names and its own
// hostname, never the host's.
func hostsFile(hostname string) string {
	return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + hostname + "\n"
}

// newRootTree returns a detached mount for the new root: a fresh tmpfs, or
// a recursive clone of the caller's root directory.
func newRootTree(s *spec.Init) (int, error) {
	if s.Root == "" {
		return newFS("tmpfs", map[string]string{"mode": "0755"}, attrRW)
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, s.Root, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return -1, fail("open root", s.Root, err)
	}
	return tree, nil
}

// openSource opens a host entry that may be missing (system dirs, /etc
// files): ok is false when it does not exist.
func openSource(hostPath, target string, attr uint64, keepLinks bool) (source, bool, error) {
	fi, err := os.Lstat(hostPath)
	if errors.Is(err, fs.ErrNotExist) {
		return source{}, false, nil
	}
	if err != nil {
		return source{}, false, fail("stat", hostPath, err)
	}
	if keepLinks && fi.Mode()&fs.ModeSymlink != 0 {
		link, err := os.Readlink(hostPath)
		if err != nil {
			return source{}, false, fail("readlink", hostPath, err)
		}
		return source{target: target, tree: -1, link: link}, true, nil
	}
	src, err := openBind(hostPath, target, attr)
	if errors.Is(err, fs.ErrNotExist) { // a dangling symlink
		return source{}, false, nil
	}
	return src, err == nil, err
}

// openBind clones the host tree at hostPath (following symlinks, like
// mount --rbind) and sets attr on every mount of the clone.
func openBind(hostPath, target string, attr uint64) (source, error) {
	tree, err := unix.OpenTree(unix.AT_FDCWD, hostPath, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		return source{}, fail("open bind source", hostPath, err)
	}
	ma := unix.MountAttr{Attr_set: attr}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &ma); err != nil {
		unix.Close(tree)
		return source{}, fail("set mount attributes", hostPath, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil {
		unix.Close(tree)
		return source{}, fail("stat", hostPath, err)
	}
	return source{target: target, tree: tree, isDir: st.Mode&unix.S_IFMT == unix.S_IFDIR}, nil
}

// place attaches src at its target inside root, creating the target (a
// directory, an empty file or a symlink) first.
func place(root *os.Root, src source) error {
	rel := relTarget(src.target)
	if src.tree < 0 && src.link != "" {
		if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
			return targetError(src.target, err)
		}
		return fail("symlink", src.target, root.Symlink(src.link, rel))
	}
	t, err := openTarget(root, rel, src.isDir)
	if err != nil {
		return targetError(src.target, err)
	}
	defer t.Close()
	err = unix.MoveMount(src.tree, "", int(t.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	return fail("mount", src.target, err)
}

// relTarget turns an absolute target into a path relative to the root.
func relTarget(target string) string {
	rel := strings.TrimPrefix(path.Clean("/"+target), "/")
	if rel == "" {
		return "."
	}
	return rel
}

// openTarget creates (if needed) and opens the mount point rel inside root
// with O_PATH. os.Root refuses any path, symlink or ".." that leads out of
// the root.
func openTarget(root *os.Root, rel string, isDir bool) (*os.File, error) {
	if _, err := root.Stat(rel); errors.Is(err, fs.ErrNotExist) {
		if isDir {
			err = root.MkdirAll(rel, 0o755)
		} else if err = root.MkdirAll(path.Dir(rel), 0o755); err == nil {
			err = root.WriteFile(rel, nil, 0o644)
		}
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	f, err := root.OpenFile(rel, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() != isDir {
		f.Close()
		if err == nil {
			err = unix.ENOTDIR
			if !isDir {
				err = unix.EISDIR
			}
		}
		return nil, err
	}
	return f, nil
}

// targetError names a target that cannot be resolved inside the root; an
// escaping symlink or ".." gets its own message.
func targetError(target string, err error) error {
	if strings.Contains(err.Error(), "escapes from parent") || errors.Is(err, unix.EXDEV) {
		return &stepError{step: "resolve mount target", path: target,
			err: errors.New("path escapes the sandbox root (a symlink or \"..\" leads outside it)")}
	}
	return fail("create mount target", target, err)
}

// newFS creates a detached mount of a fresh filesystem.
func newFS(fstype string, opts map[string]string, attr uint64) (int, error) {
	fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fail("fsopen", fstype, err)
	}
	defer unix.Close(fsfd)
	for k, v := range opts {
		if err := unix.FsconfigSetString(fsfd, k, v); err != nil {
			return -1, fail("fsconfig "+k+"="+v, fstype, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fail("fsconfig create", fstype, err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, int(attr))
	if err != nil {
		return -1, fail("fsmount", fstype, err)
	}
	return mfd, nil
}

// mountFS mounts a fresh filesystem on target (a directory inside root).
func mountFS(root *os.Root, target, fstype string, opts map[string]string, attr uint64) error {
	mfd, err := newFS(fstype, opts, attr)
	if err != nil {
		return err
	}
	defer unix.Close(mfd)
	return place(root, source{target: target, tree: mfd, isDir: true})
}

func mountTmpfs(root *os.Root, target, mode string, size int64) error {
	opts := map[string]string{"mode": mode}
	if size > 0 {
		opts["size"] = strconv.FormatInt(size, 10)
	}
	return mountFS(root, target, "tmpfs", opts, attrRW)
}

// mountProc mounts a fresh procfs for the new pid namespace and hides or
// freezes what runc hides or freezes.
func mountProc(root *os.Root, devNull int) error {
	if err := mountFS(root, "/proc", "proc", nil, attrProc); err != nil {
		return err
	}
	for _, p := range maskedPaths {
		fi, err := root.Lstat(p)
		if err != nil {
			continue // not on this kernel
		}
		if fi.IsDir() {
			err = mountFS(root, "/"+p, "tmpfs", map[string]string{"size": "0", "mode": "0555"}, attrRO|unix.MOUNT_ATTR_NOEXEC)
		} else {
			err = bindFrom(root, devNull, "/"+p, attrRO|unix.MOUNT_ATTR_NOEXEC)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range readonlyPaths {
		f, err := root.OpenFile(p, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		err = bindFrom(root, int(f.Fd()), "/"+p, attrRO|unix.MOUNT_ATTR_NOEXEC)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// bindFrom clones the (non-recursive) mount at fd and places it on target.
func bindFrom(root *os.Root, fd int, target string, attr uint64) error {
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fail("open_tree", target, err)
	}
	defer unix.Close(tree)
	ma := unix.MountAttr{Attr_set: attr}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &ma); err != nil {
		return fail("set mount attributes", target, err)
	}
	var st unix.Stat_t
	unix.Fstat(tree, &st)
	return place(root, source{target: target, tree: tree, isDir: st.Mode&unix.S_IFMT == unix.S_IFDIR})
}

// mountDev builds a minimal /dev: a small tmpfs with the host's harmless
// device nodes bound in, a private devpts instance, /dev/shm and the usual
// links.
func mountDev(root *os.Root, devs []source) error {
	if err := mountFS(root, "/dev", "tmpfs", map[string]string{"mode": "0755", "size": "65536"},
		unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC); err != nil {
		return err
	}
	for _, d := range devs {
		if err := place(root, d); err != nil {
			return err
		}
	}
	if err := mountFS(root, "/dev/pts", "devpts", map[string]string{"ptmxmode": "0666", "mode": "0620"},
		unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC); err != nil {
		return err
	}
	if err := mountFS(root, "/dev/shm", "tmpfs", map[string]string{"mode": "1777"}, attrRW); err != nil {
		return err
	}
	links := [][2]string{
		{"pts/ptmx", "dev/ptmx"}, {"/proc/self/fd", "dev/fd"}, {"/proc/self/fd/0", "dev/stdin"},
		{"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
	}
	for _, l := range links {
		if err := root.Symlink(l[0], l[1]); err != nil {
			return fail("symlink", "/"+l[1], err)
		}
	}
	return nil
}
